/**
 * The store's part of accounts as the unit: memberships and read positions,
 * forgetting rooms nobody needs, client ids unique per sender scope, and the
 * migration that brings a database made by the previous schema along.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { NewMessage } from '../../src/store/store.ts';

async function fileIn(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'natter-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'natter.db');
}

async function store(t: TestContext, file?: string): Promise<SqliteStore> {
  const s = new SqliteStore(file ?? (await fileIn(t)));
  t.after(() => s.close());
  return s;
}

function message(room: string | null, from: string, extra: Partial<NewMessage> = {}): NewMessage {
  return {
    ts: 1_000,
    roomKey: room,
    roomName: room,
    fromKey: from,
    fromName: from,
    toKey: room === null ? 'bob' : null,
    toName: room === null ? 'bob' : null,
    kind: 'say',
    text: 'hi',
    clientId: `c${Math.random()}`,
    senderScope: 'holding:1',
    ...extra,
  };
}

test('memberships: added once, listed in join order without the private marker, removed', async (t) => {
  const s = await store(t);
  await s.addMembership('alice', { roomKey: '#b', roomName: '#B', lastRead: 0 }, 10);
  await s.addMembership('alice', { roomKey: '#a', roomName: '#a', lastRead: 0 }, 20);
  await s.addMembership('alice', { roomKey: '#b', roomName: '#b-again', lastRead: 9 }, 30);
  await s.advanceReadMarkers([{ accountKey: 'alice', roomKey: '@', msg: 4 }], 40);
  assert.deepEqual(await s.listMemberships('alice'), [
    { roomKey: '#b', roomName: '#B', lastRead: 0 },
    { roomKey: '#a', roomName: '#a', lastRead: 0 },
  ]);
  assert.deepEqual(await s.listMemberships('bob'), []);
  await s.removeMembership('alice', '#b');
  assert.deepEqual(
    (await s.listMemberships('alice')).map((m) => m.roomKey),
    ['#a'],
  );
});

test('read positions only move forward, for rooms the account is in and for private messages', async (t) => {
  const s = await store(t);
  await s.addMembership('alice', { roomKey: '#a', roomName: '#a', lastRead: 0 }, 1);
  await s.advanceReadMarkers(
    [
      { accountKey: 'alice', roomKey: '#a', msg: 7 },
      { accountKey: 'alice', roomKey: '@', msg: 3 },
      { accountKey: 'alice', roomKey: '#not-joined', msg: 5 },
    ],
    2,
  );
  await s.advanceReadMarkers([{ accountKey: 'alice', roomKey: '#a', msg: 2 }], 3);
  assert.equal(await s.readMarker('alice', '#a'), 7);
  assert.equal(await s.readMarker('alice', '@'), 3);
  assert.equal(await s.readMarker('alice', '#not-joined'), 0);
});

test('unread counts are capped; a room is forgotten only when unregistered, empty of messages and members', async (t) => {
  const s = await store(t);
  for (const key of ['#quiet', '#talk', '#kept', '#owned']) {
    await s.ensureRoom({
      key,
      name: key,
      createdAt: 1,
      founder: key === '#owned' ? 'alice' : null,
    });
  }
  const stored = await s.appendMessages([
    message('#talk', 'bob'),
    message('#talk', 'bob'),
    message('#talk', 'bob'),
  ]);
  assert.equal(await s.countRoomMessages('#talk', stored[0]!.message.id, 100), 2);
  assert.equal(await s.countRoomMessages('#talk', 0, 2), 2);
  await s.appendMessages([message(null, 'carol', { ts: 1 }), message(null, 'carol', { ts: 5 })]);
  assert.equal(await s.countPrivateMessages('bob', 2, 0, 100), 1, 'since filters by time');
  await s.addMembership('alice', { roomKey: '#kept', roomName: '#kept', lastRead: 0 }, 1);
  await s.moderation.addRoomOperator({ roomKey: '#quiet', nameKey: 'alice', grantedBy: 'x' });

  assert.equal(await s.forgetRoom('#quiet'), true);
  for (const key of ['#talk', '#kept', '#owned']) assert.equal(await s.forgetRoom(key), false, key);
  assert.deepEqual(
    (await s.listRooms()).map((r) => r.key),
    ['#kept', '#owned', '#talk'],
  );
  assert.deepEqual(await s.moderation.listRoomOperators(), []);
  assert.equal((await s.getRoom('#owned'))?.founder, 'alice');
});

test('client ids are unique per sender scope: another scope stores anew, the same one is a duplicate', async (t) => {
  const s = await store(t);
  const [first] = await s.appendMessages([
    message('#a', 'sam', { clientId: 'x', senderScope: 'holding:1' }),
  ]);
  const [later] = await s.appendMessages([
    message('#a', 'sam', { clientId: 'x', senderScope: 'holding:2' }),
  ]);
  const [again] = await s.appendMessages([
    message('#a', 'sam', { clientId: 'x', senderScope: 'holding:2' }),
  ]);
  assert.equal(first!.duplicate, false);
  assert.equal(later!.duplicate, false);
  assert.notEqual(later!.message.id, first!.message.id);
  assert.equal(again!.duplicate, true);
  assert.equal(again!.message.id, later!.message.id);
});

test('a database made by schema version 2 migrates to the current version keeping its rooms, messages and accounts', async (t) => {
  const file = await fileIn(t);
  const old = new DatabaseSync(file);
  for (const sql of MIGRATIONS.slice(0, 2)) old.exec(sql);
  old.exec('PRAGMA user_version = 2');
  old.exec(
    `INSERT INTO rooms (key, name, topic, created_at) VALUES ('#dev', '#Dev', 'ship it', 5)`,
  );
  old.exec(`INSERT INTO messages (ts, room_key, room_name, from_key, from_name, kind, text, client_id)
            VALUES (6, '#dev', '#Dev', 'ann', 'Ann', 'say', 'from the old schema', 'k1')`);
  old.exec(
    `INSERT INTO accounts (name_key, name, password_hash, created_at) VALUES ('ann', 'Ann', 'scrypt$x', 4)`,
  );
  old.close();

  const s = await store(t, file);
  assert.equal(s.schemaVersion, MIGRATIONS.length);
  assert.deepEqual(await s.getRoom('#dev'), {
    key: '#dev',
    name: '#Dev',
    topic: 'ship it',
    createdAt: 5,
    founder: null,
  });
  const [kept] = await s.roomHistory('#dev', { limit: 10 });
  assert.equal(kept?.text, 'from the old schema');
  assert.equal(kept?.senderScope, '');
  assert.equal((await s.accounts.getAccount('ann'))?.name, 'Ann');
  // Old messages keep deduplicating within their (empty) scope; new scopes store anew.
  const [dup] = await s.appendMessages([
    message('#dev', 'ann', { clientId: 'k1', senderScope: '' }),
  ]);
  assert.equal(dup!.duplicate, true);
});

test('re-keying for new key rules: accounts, rooms and what names them move to their new keys, once', async (t) => {
  const file = await fileIn(t);
  const s = await store(t, file);
  // Stored under keys made by older rules (here: plain lower case, no look-alike folding).
  await s.accounts.createAccount({
    nameKey: 'martin',
    name: 'Martin',
    passwordHash: 'h',
    createdAt: 1,
  });
  await s.accounts.createAccount({
    nameKey: 'rnartin',
    name: 'rnartin',
    passwordHash: 'h',
    createdAt: 2,
  });
  await s.ensureRoom({ key: '#dev', name: '#Dev', createdAt: 1, founder: 'martin' });
  await s.addMembership('martin', { roomKey: '#dev', roomName: '#Dev', lastRead: 3 }, 1);
  await s.moderation.addMute({
    scope: '#dev',
    nameKey: 'gus',
    label: 'Gus',
    until: null,
    reason: null,
    by: 'x',
    createdAt: 1,
  });
  await s.appendMessages([message('#dev', 'martin', { fromName: 'Martin' })]);
  await s.saveResumeToken('t1', { nameKey: 'martin', since: 1 }, Date.now() + 60_000);
  // New rules: keys are upper case, and "rn" folds to "m".
  const rules = {
    version: 7,
    name: (n: string) => n.replaceAll('rn', 'm').toUpperCase(),
    room: (n: string) => `#${n.slice(1).toUpperCase()}`,
  };
  const report = await s.rekey(rules);
  assert.deepEqual(report, { accounts: 1, rooms: 1, conflicts: ['account rnartin'] });
  assert.equal((await s.accounts.getAccount('MARTIN'))?.name, 'Martin');
  assert.equal(
    (await s.accounts.getAccount('rnartin'))?.name,
    'rnartin',
    'the younger look-alike keeps its key',
  );
  assert.equal((await s.getRoom('#DEV'))?.founder, 'MARTIN');
  assert.deepEqual(await s.listMemberships('MARTIN'), [
    { roomKey: '#DEV', roomName: '#Dev', lastRead: 3 },
  ]);
  assert.equal((await s.moderation.listMutes(0))[0]?.nameKey, 'GUS');
  assert.equal((await s.moderation.listMutes(0))[0]?.scope, '#DEV');
  assert.equal((await s.roomHistory('#DEV', { limit: 5 }))[0]?.fromKey, 'MARTIN');
  assert.equal(await s.findResumeToken('t1', 0), undefined, 'tokens of old keys are void');
  assert.equal(await s.rekey(rules), null, 'already done');
});
