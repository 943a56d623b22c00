/**
 * The SQLite store against real database files in temporary directories:
 * schema migrations, WAL, idempotent appends, history windows, private
 * history boundaries, rooms, resume tokens and retention.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { NewMessage, StoredMessage } from '../../src/store/store.ts';

/** A fresh directory for one test, removed (with every store opened in it) afterwards. */
async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'natter-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Opens a store on `file` and closes it when the test ends (closing twice is harmless). */
function open(t: TestContext, file: string): SqliteStore {
  const store = new SqliteStore(file);
  t.after(() => store.close());
  return store;
}

async function freshStore(t: TestContext): Promise<SqliteStore> {
  return open(t, path.join(await tempDir(t), 'natter.db'));
}

let clientIds = 0;

function roomMessage(room: string, from: string, text: string, extra: Partial<NewMessage> = {}) {
  return {
    ts: 1_000,
    roomKey: room.toLowerCase(),
    roomName: room,
    fromKey: from.toLowerCase(),
    fromName: from,
    toKey: null,
    toName: null,
    kind: 'say',
    text,
    clientId: `c${++clientIds}`,
    senderScope: '',
    ...extra,
  } satisfies NewMessage;
}

function privateMessage(from: string, to: string, text: string, extra: Partial<NewMessage> = {}) {
  return {
    ts: 1_000,
    roomKey: null,
    roomName: null,
    fromKey: from.toLowerCase(),
    fromName: from,
    toKey: to.toLowerCase(),
    toName: to,
    kind: 'say',
    text,
    clientId: `c${++clientIds}`,
    senderScope: '',
    ...extra,
  } satisfies NewMessage;
}

/** Appends messages one batch each; returns the stored ones. */
async function appendAll(store: SqliteStore, batch: NewMessage[]): Promise<StoredMessage[]> {
  const results = await store.appendMessages(batch);
  assert.ok(results.every((r) => !r.duplicate));
  return results.map((r) => r.message);
}

function texts(messages: readonly StoredMessage[]): string[] {
  return messages.map((m) => m.text);
}

function ids(messages: readonly StoredMessage[]): number[] {
  return messages.map((m) => m.id);
}

function readPragma(file: string, pragma: string): unknown {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return Object.values(db.prepare(`PRAGMA ${pragma}`).get() as object)[0];
  } finally {
    db.close();
  }
}

// ---- schema -----------------------------------------------------------------

test('migrations set user_version and reopening the file is idempotent, keeping the data', async (t) => {
  const file = path.join(await tempDir(t), 'nested', 'natter.db');
  const first = new SqliteStore(file);
  assert.equal(first.schemaVersion, MIGRATIONS.length);
  const [stored] = await appendAll(first, [roomMessage('#lobby', 'alice', 'kept')]);
  await first.ensureRoom({ key: '#lobby', name: '#lobby', createdAt: 5 });
  await first.close();
  assert.equal(readPragma(file, 'user_version'), MIGRATIONS.length);

  for (let i = 0; i < 2; i++) {
    const again = new SqliteStore(file);
    try {
      assert.equal(again.schemaVersion, MIGRATIONS.length);
      assert.deepEqual(await again.roomHistory('#lobby', { limit: 10 }), [stored]);
      assert.equal((await again.listRooms()).length, 1);
    } finally {
      await again.close();
    }
  }
  assert.equal(readPragma(file, 'user_version'), MIGRATIONS.length);
});

test('a database from a newer natter is refused with a clear message and left unchanged', async (t) => {
  const file = path.join(await tempDir(t), 'natter.db');
  const newer = MIGRATIONS.length + 7;
  const db = new DatabaseSync(file);
  db.exec(`CREATE TABLE future (x INTEGER); PRAGMA user_version = ${newer}`);
  db.close();

  assert.throws(
    () => open(t, file),
    (error: Error) => {
      assert.match(error.message, new RegExp(`schema version ${newer}`, 'u'));
      assert.match(error.message, /newer than this natter knows/u);
      assert.ok(error.message.includes(file), error.message);
      return true;
    },
  );
  assert.equal(readPragma(file, 'user_version'), newer);
  assert.equal(readPragma(file, 'journal_mode'), 'delete', 'the refused file was modified');
  if (existsSync('/proc/self/fd')) {
    const open = readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(file);
      } catch {
        return false;
      }
    });
    assert.deepEqual(open, [], 'the refused file was left open');
  }
  const check = new DatabaseSync(file, { readOnly: true });
  try {
    const tables = check.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all();
    assert.deepEqual(
      tables.map((r) => r.name),
      ['future'],
    );
  } finally {
    check.close();
  }
});

test('the database file is in WAL mode, as another connection sees it', async (t) => {
  const file = path.join(await tempDir(t), 'natter.db');
  open(t, file);
  assert.equal(readPragma(file, 'journal_mode'), 'wal');
});

// ---- appending ----------------------------------------------------------------

test('appendMessages assigns increasing ids in batch order and keeps every field', async (t) => {
  const store = await freshStore(t);
  const batch = [
    roomMessage('#Lobby', 'Alice', 'one', { ts: 10 }),
    privateMessage('Bob', 'Alice', 'two', { ts: 11 }),
    roomMessage('#dev', 'Carol', 'three', { ts: 12, kind: 'me' }),
  ];
  const results = await store.appendMessages(batch);
  assert.equal(results.length, 3);
  assert.ok(results.every((r) => r.duplicate === false));
  const stored = results.map((r) => r.message);
  assert.ok(stored[0]!.id > 0);
  assert.ok(stored[0]!.id < stored[1]!.id && stored[1]!.id < stored[2]!.id, `${ids(stored)}`);
  stored.forEach((m, i) => assert.deepEqual(m, { ...batch[i], id: m.id }));

  const next = await appendAll(store, [roomMessage('#lobby', 'alice', 'four')]);
  assert.ok(next[0]!.id > stored[2]!.id);

  assert.deepEqual(await store.roomHistory('#lobby', { limit: 10 }), [stored[0], next[0]]);
  assert.deepEqual(await store.roomHistory('#dev', { limit: 10 }), [stored[2]]);
  assert.deepEqual(await store.appendMessages([]), []);
});

test('a repeated (sender, client id) is stored once, within a batch and across batches', async (t) => {
  const store = await freshStore(t);
  const original = roomMessage('#lobby', 'alice', 'original', { clientId: 'x1', ts: 100 });
  const results = await store.appendMessages([
    original,
    roomMessage('#lobby', 'alice', 'resent in the same batch', { clientId: 'x1', ts: 101 }),
    // The same client id from someone else is a different message.
    roomMessage('#lobby', 'bob', 'bob x1', { clientId: 'x1' }),
  ]);
  assert.deepEqual(
    results.map((r) => r.duplicate),
    [false, true, false],
  );
  const first = results[0]!.message;
  assert.deepEqual(results[1]!.message, first, 'the duplicate answers with the original');
  assert.notEqual(results[2]!.message.id, first.id);

  const later = await store.appendMessages([
    roomMessage('#lobby', 'alice', 'new', { clientId: 'x2' }),
    roomMessage('#dev', 'alice', 'resent later, elsewhere', { clientId: 'x1', ts: 999 }),
  ]);
  assert.equal(later[0]!.duplicate, false);
  assert.equal(later[1]!.duplicate, true);
  assert.deepEqual(later[1]!.message, first);

  // A private message re-sent with the same client id is a duplicate too.
  const dm = await store.appendMessages([privateMessage('alice', 'bob', 'dm', { clientId: 'x3' })]);
  const dmAgain = await store.appendMessages([
    privateMessage('alice', 'bob', 'dm again', { clientId: 'x3' }),
  ]);
  assert.equal(dmAgain[0]!.duplicate, true);
  assert.deepEqual(dmAgain[0]!.message, dm[0]!.message);

  assert.deepEqual(texts(await store.roomHistory('#lobby', { limit: 100 })), [
    'original',
    'bob x1',
    'new',
  ]);
  assert.deepEqual(await store.roomHistory('#dev', { limit: 100 }), []);
});

test('a batch that fails is rolled back whole', async (t) => {
  const store = await freshStore(t);
  await appendAll(store, [roomMessage('#lobby', 'alice', 'before')]);
  await assert.rejects(
    store.appendMessages([
      roomMessage('#lobby', 'alice', 'in the failed batch'),
      // The schema only knows 'say' and 'me'.
      roomMessage('#lobby', 'alice', 'bad kind', { kind: 'shout' as 'say' }),
    ]),
  );
  assert.deepEqual(texts(await store.roomHistory('#lobby', { limit: 10 })), ['before']);
  await appendAll(store, [roomMessage('#lobby', 'alice', 'after')]);
  assert.deepEqual(texts(await store.roomHistory('#lobby', { limit: 10 })), ['before', 'after']);
});

// ---- room history -------------------------------------------------------------

test('roomHistory: the latest N ascending, after/before windows, limits, one room only', async (t) => {
  const store = await freshStore(t);
  const batch: NewMessage[] = [];
  for (let i = 1; i <= 10; i++) {
    batch.push(roomMessage('#a', 'alice', `a${i}`));
    batch.push(roomMessage('#b', 'bob', `b${i}`));
  }
  batch.push(privateMessage('alice', 'bob', 'private'));
  const stored = await appendAll(store, batch);
  const a = stored.filter((m) => m.roomKey === '#a');
  const idOf = (n: number) => a[n - 1]!.id;

  assert.deepEqual(await store.roomHistory('#a', { limit: 100 }), a);
  assert.deepEqual(texts(await store.roomHistory('#a', { limit: 3 })), ['a8', 'a9', 'a10']);
  assert.deepEqual(texts(await store.roomHistory('#a', { limit: 1 })), ['a10']);
  // after: the oldest N above it, ascending.
  assert.deepEqual(texts(await store.roomHistory('#a', { after: idOf(2), limit: 3 })), [
    'a3',
    'a4',
    'a5',
  ]);
  assert.deepEqual(texts(await store.roomHistory('#a', { after: 0, limit: 2 })), ['a1', 'a2']);
  assert.deepEqual(await store.roomHistory('#a', { after: idOf(10), limit: 5 }), []);
  // before: the newest N below it, ascending.
  assert.deepEqual(texts(await store.roomHistory('#a', { before: idOf(5), limit: 3 })), [
    'a2',
    'a3',
    'a4',
  ]);
  assert.deepEqual(texts(await store.roomHistory('#a', { before: idOf(2), limit: 3 })), ['a1']);
  assert.deepEqual(await store.roomHistory('#a', { before: idOf(1), limit: 3 }), []);
  // Both: strictly between.
  assert.deepEqual(
    texts(await store.roomHistory('#a', { after: idOf(3), before: idOf(7), limit: 100 })),
    ['a4', 'a5', 'a6'],
  );
  assert.deepEqual(
    texts(await store.roomHistory('#a', { after: idOf(3), before: idOf(7), limit: 2 })),
    ['a4', 'a5'],
  );
  // Bounds between another room's ids work the same.
  assert.deepEqual(texts(await store.roomHistory('#b', { after: idOf(9), limit: 10 })), [
    'b9',
    'b10',
  ]);
  assert.deepEqual(await store.roomHistory('#nowhere', { limit: 10 }), []);
  for (const m of await store.roomHistory('#a', { limit: 100 })) assert.equal(m.roomKey, '#a');
});

test('paging backwards and forwards through a room visits every message once', async (t) => {
  const store = await freshStore(t);
  const batch: NewMessage[] = [];
  for (let i = 0; i < 23; i++) batch.push(roomMessage('#a', 'alice', `m${i}`));
  const all = ids(await appendAll(store, batch));

  const backwards: number[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await store.roomHistory(
      '#a',
      before === undefined ? { limit: 5 } : { before, limit: 5 },
    );
    if (page.length === 0) break;
    backwards.unshift(...ids(page));
    before = page[0]!.id;
  }
  assert.deepEqual(backwards, all);

  const forwards: number[] = [];
  let after = 0;
  for (;;) {
    const page = await store.roomHistory('#a', { after, limit: 5 });
    if (page.length === 0) break;
    forwards.push(...ids(page));
    after = page.at(-1)!.id;
  }
  assert.deepEqual(forwards, all);
});

// ---- private history --------------------------------------------------------------

test('privateHistory: both directions, peer filter, since, never room messages', async (t) => {
  const store = await freshStore(t);
  const stored = await appendAll(store, [
    privateMessage('alice', 'bob', 'old a→b', { ts: 100 }),
    privateMessage('bob', 'alice', 'old b→a', { ts: 150 }),
    roomMessage('#lobby', 'alice', 'room a', { ts: 200 }),
    privateMessage('alice', 'bob', 'a→b', { ts: 300 }),
    privateMessage('bob', 'alice', 'b→a', { ts: 301 }),
    privateMessage('carol', 'alice', 'c→a', { ts: 302 }),
    privateMessage('alice', 'carol', 'a→c', { ts: 303 }),
    privateMessage('bob', 'carol', 'b→c', { ts: 304 }),
    roomMessage('#lobby', 'bob', 'room b', { ts: 305 }),
    privateMessage('alice', 'alice', 'note to self', { ts: 306 }),
  ]);
  const q = { limit: 100 };

  assert.deepEqual(texts(await store.privateHistory('alice', null, 0, q)), [
    'old a→b',
    'old b→a',
    'a→b',
    'b→a',
    'c→a',
    'a→c',
    'note to self',
  ]);
  assert.deepEqual(texts(await store.privateHistory('alice', 'bob', 0, q)), [
    'old a→b',
    'old b→a',
    'a→b',
    'b→a',
  ]);
  assert.deepEqual(texts(await store.privateHistory('bob', 'alice', 0, q)), [
    'old a→b',
    'old b→a',
    'a→b',
    'b→a',
  ]);
  // `since` cuts off what an earlier holder of the name sent and received.
  assert.deepEqual(texts(await store.privateHistory('alice', null, 300, q)), [
    'a→b',
    'b→a',
    'c→a',
    'a→c',
    'note to self',
  ]);
  assert.deepEqual(texts(await store.privateHistory('alice', 'bob', 301, q)), ['b→a']);
  assert.deepEqual(await store.privateHistory('alice', null, 307, q), []);
  assert.deepEqual(texts(await store.privateHistory('carol', null, 0, q)), ['c→a', 'a→c', 'b→c']);
  assert.deepEqual(await store.privateHistory('dave', null, 0, q), []);
  assert.deepEqual(await store.privateHistory('alice', 'dave', 0, q), []);

  for (const user of ['alice', 'bob', 'carol']) {
    for (const m of await store.privateHistory(user, null, 0, q)) {
      assert.equal(m.roomKey, null, `room message ${m.text} in ${user}'s private history`);
      assert.ok(m.fromKey === user || m.toKey === user, `${m.text} is not ${user}'s`);
    }
  }

  // Windows: the newest N ascending, or the oldest N after an id.
  const all = await store.privateHistory('alice', null, 0, q);
  assert.deepEqual(texts(await store.privateHistory('alice', null, 0, { limit: 2 })), [
    'a→c',
    'note to self',
  ]);
  assert.deepEqual(
    texts(await store.privateHistory('alice', null, 0, { after: all[1]!.id, limit: 2 })),
    ['a→b', 'b→a'],
  );
  assert.deepEqual(
    texts(await store.privateHistory('alice', null, 0, { before: all[4]!.id, limit: 2 })),
    ['a→b', 'b→a'],
  );
  assert.deepEqual(
    texts(
      await store.privateHistory('alice', 'bob', 0, {
        after: all[0]!.id,
        before: all[3]!.id,
        limit: 10,
      }),
    ),
    ['old b→a', 'a→b'],
  );
  assert.equal(stored.length, 10);
});

// ---- rooms -----------------------------------------------------------------------

test('rooms: ensure is idempotent, list is ordered, topics are set and cleared', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'natter.db');
  const store = new SqliteStore(file);
  try {
    const dev = await store.ensureRoom({ key: '#dev', name: '#Dev', createdAt: 10 });
    assert.deepEqual(dev, { key: '#dev', name: '#Dev', topic: null, createdAt: 10, founder: null });
    // A second ensure keeps the first name and creation time.
    assert.deepEqual(await store.ensureRoom({ key: '#dev', name: '#DEV', createdAt: 99 }), dev);
    await store.ensureRoom({ key: '#lobby', name: '#lobby', createdAt: 5 });
    await store.ensureRoom({ key: '#art', name: '#art', createdAt: 20 });
    assert.deepEqual(
      (await store.listRooms()).map((r) => r.key),
      ['#art', '#dev', '#lobby'],
    );
    assert.equal(await store.getRoom('#nowhere'), undefined);

    await store.setTopic('#dev', 'ship it');
    assert.equal((await store.getRoom('#dev'))?.topic, 'ship it');
    await store.setTopic('#nowhere', 'ignored');
    assert.equal(await store.getRoom('#nowhere'), undefined);
    await store.setTopic('#art', 'paint');
    await store.setTopic('#art', null);
  } finally {
    await store.close();
  }
  const reopened = open(t, file);
  assert.deepEqual(await reopened.getRoom('#dev'), {
    key: '#dev',
    name: '#Dev',
    topic: 'ship it',
    createdAt: 10,
    founder: null,
  });
  assert.equal((await reopened.getRoom('#art'))?.topic, null);
  assert.equal((await reopened.listRooms()).length, 3);
});

// ---- resume tokens -------------------------------------------------------------

test('resume tokens: saved, found until they expire, renewed, re-pointed, revoked per name', async (t) => {
  const store = await freshStore(t);
  await store.saveResumeToken('hash-a', { nameKey: 'alice', since: 100 }, 1_000);
  await store.saveResumeToken('hash-b', { nameKey: 'bob', since: 200 }, 2_000);

  assert.deepEqual(await store.findResumeToken('hash-a', 999), { nameKey: 'alice', since: 100 });
  assert.equal(await store.findResumeToken('hash-a', 1_000), undefined, 'expired at expiresAt');
  assert.equal(await store.findResumeToken('hash-a', 5_000), undefined);
  assert.equal(await store.findResumeToken('unknown', 0), undefined);

  // Saving the same hash again extends it, and names the identity given (a /nick re-points it).
  await store.saveResumeToken('hash-a', { nameKey: 'alice', since: 100 }, 10_000);
  assert.deepEqual(await store.findResumeToken('hash-a', 5_000), { nameKey: 'alice', since: 100 });

  // Retention sweeps expired tokens away.
  await store.enforceRetention({ maxAgeMs: 0, maxPerRoom: 0 }, 3_000, 100);
  assert.equal(await store.findResumeToken('hash-b', 0), undefined, 'expired token deleted');
  assert.deepEqual(await store.findResumeToken('hash-a', 3_000), { nameKey: 'alice', since: 100 });

  await store.saveResumeToken('hash-a', { nameKey: 'alicia', since: 400 }, 10_000);
  assert.deepEqual(await store.findResumeToken('hash-a', 3_000), { nameKey: 'alicia', since: 400 });

  // A new holding of a name ends every other token of it, pending writes included.
  await store.saveResumeToken('hash-c', { nameKey: 'carol', since: 1 }, 10_000);
  const pending = store.saveResumeToken('hash-d', { nameKey: 'carol', since: 2 }, 10_000);
  await store.revokeResumeTokens('carol', 'hash-e');
  await pending;
  assert.equal(await store.findResumeToken('hash-c', 0), undefined);
  assert.equal(await store.findResumeToken('hash-d', 0), undefined);
  await store.saveResumeToken('hash-e', { nameKey: 'carol', since: 3 }, 10_000);
  await store.revokeResumeTokens('carol', 'hash-e');
  assert.deepEqual(await store.findResumeToken('hash-e', 0), { nameKey: 'carol', since: 3 });
  assert.deepEqual(await store.findResumeToken('hash-a', 0), { nameKey: 'alicia', since: 400 });
});

// ---- retention -------------------------------------------------------------------

test('retention by age deletes only old messages, in batches of at most maxRows', async (t) => {
  const store = await freshStore(t);
  const batch: NewMessage[] = [];
  for (let i = 0; i < 7; i++) batch.push(roomMessage('#a', 'alice', `old${i}`, { ts: 100 + i }));
  batch.push(privateMessage('alice', 'bob', 'old private', { ts: 107 }));
  for (let i = 0; i < 3; i++) batch.push(roomMessage('#a', 'alice', `new${i}`, { ts: 1_000 + i }));
  await appendAll(store, batch);
  const policy = { maxAgeMs: 500, maxPerRoom: 0 };
  const now = 1_500; // older than ts 1000 is old

  assert.equal(await store.enforceRetention(policy, now, 3), 3);
  assert.deepEqual(texts(await store.roomHistory('#a', { limit: 100 })), [
    'old3',
    'old4',
    'old5',
    'old6',
    'new0',
    'new1',
    'new2',
  ]);
  assert.equal(await store.enforceRetention(policy, now, 3), 3);
  assert.equal(await store.enforceRetention(policy, now, 3), 2, 'the last old room and private');
  assert.equal(await store.enforceRetention(policy, now, 3), 0);
  assert.deepEqual(texts(await store.roomHistory('#a', { limit: 100 })), ['new0', 'new1', 'new2']);
  assert.deepEqual(await store.privateHistory('alice', null, 0, { limit: 10 }), []);
});

test('retention by count keeps the newest N per room, in batches, and never reuses ids', async (t) => {
  const store = await freshStore(t);
  const batch: NewMessage[] = [];
  for (let i = 0; i < 10; i++) batch.push(roomMessage('#a', 'alice', `a${i}`));
  for (let i = 0; i < 4; i++) batch.push(roomMessage('#b', 'bob', `b${i}`));
  for (let i = 0; i < 6; i++) batch.push(privateMessage('alice', 'bob', `p${i}`));
  const stored = await appendAll(store, batch);
  const maxId = Math.max(...ids(stored));
  const policy = { maxAgeMs: 0, maxPerRoom: 3 };

  // 7 too many in #a, 1 in #b: 8 to delete, at most 5 per call.
  assert.equal(await store.enforceRetention(policy, 0, 5), 5);
  assert.equal(await store.enforceRetention(policy, 0, 5), 3);
  assert.equal(await store.enforceRetention(policy, 0, 5), 0);
  assert.deepEqual(texts(await store.roomHistory('#a', { limit: 100 })), ['a7', 'a8', 'a9']);
  assert.deepEqual(texts(await store.roomHistory('#b', { limit: 100 })), ['b1', 'b2', 'b3']);
  // Private messages are not counted against any room.
  assert.equal((await store.privateHistory('alice', null, 0, { limit: 100 })).length, 6);

  // Deleting the newest rows must not hand their ids out again.
  await store.enforceRetention({ maxAgeMs: 1, maxPerRoom: 0 }, 1_000_000, 1_000);
  assert.deepEqual(await store.roomHistory('#a', { limit: 100 }), []);
  const [next] = await appendAll(store, [roomMessage('#a', 'alice', 'after the purge')]);
  assert.ok(next!.id > maxId, `id ${next!.id} reused (max was ${maxId})`);
});

test('closing twice is harmless and a closed store refuses work', async (t) => {
  const store = await freshStore(t);
  await store.close();
  await store.close();
  await assert.rejects(store.roomHistory('#a', { limit: 1 }));
});
