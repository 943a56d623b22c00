/**
 * natter backup during a write load: the copy opens, passes its integrity
 * check, and holds every message acknowledged before the backup started;
 * restored into a data directory, a server serves that history.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { ServerFrame } from '../../src/protocol/frames.ts';
import { DATABASE_FILE } from '../../src/server/server.ts';
import { NativeClient, say, serverFor, startTestServer } from '../helpers/server.ts';
import { run, tempDir } from './helpers.ts';

const NO_FLOOD = { floodBurst: 100_000, floodPerSecond: 100_000, historyOnJoin: 0 };

test('natter backup under a write load holds every message acknowledged before it started; restore serves it', async (t) => {
  const h = await serverFor(t, { limits: NO_FLOOD });
  const writers = await Promise.all(['w1', 'w2', 'w3'].map((name) => h.native(name)));
  const acked = new Map<number, string>();
  let stop = false;
  const loops = writers.map(async (client, n) => {
    for (let i = 0; !stop; i++) {
      const text = `writer ${n} message ${i}`;
      const id = say(client, text);
      const ack = await client.waitFor('ack', { id });
      acked.set(ack.msg, text);
    }
  });
  while (acked.size < 60) await new Promise((resolve) => setTimeout(resolve, 20));

  const before = new Map(acked); // every one of these was acknowledged: committed
  const dir = await tempDir(t);
  const target = path.join(dir, 'natter-backup.db');
  const result = await run(['backup', target, '--data-dir', h.dataDir]);
  const during = acked.size - before.size;
  while (acked.size < before.size + during + 30) await new Promise((r) => setTimeout(r, 20));
  stop = true;
  await Promise.all(loops);

  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /^backup .*natter-backup\.db: \d+ messages \(last id \d+\), \d+ rooms, 0 accounts, \d+ bytes; integrity ok$/mu,
  );
  const copy = new DatabaseSync(target, { readOnly: true });
  const rows = copy.prepare('SELECT id, text FROM messages').all() as {
    id: number;
    text: string;
  }[];
  copy.close();
  const stored = new Map(rows.map((row) => [Number(row.id), row.text]));
  for (const [id, text] of before)
    assert.equal(stored.get(id), text, `message ${id} is in the backup`);
  // A consistent instant: no gaps below the newest message in the copy.
  const newest = Math.max(...stored.keys());
  for (const id of acked.keys()) if (id <= newest) assert.ok(stored.has(id), `no hole at ${id}`);

  // Restore: the file becomes natter.db of a data directory (server stopped), and it serves.
  const restored = path.join(dir, 'restored');
  await mkdir(restored);
  await copyFile(target, path.join(restored, DATABASE_FILE));
  const server = await startTestServer({ dataDir: restored, limits: NO_FLOOD });
  t.after(() => server.close());
  const reader = await NativeClient.login(server.port, 'reader');
  t.after(() => reader.close());
  reader.send({ type: 'history', id: 'h', room: '#lobby', limit: 1000 });
  const seen = new Map<number, string>();
  await reader.waitForFrame((frame: ServerFrame) => {
    if (frame.type === 'message') seen.set(frame.msg, frame.text);
    return frame.type === 'history' && frame.id === 'h';
  }, 'history end');
  assert.equal(seen.size, Math.min(stored.size, 1000));
  for (const [id, text] of before) if (id > newest - 1000) assert.equal(seen.get(id), text);
});

test('natter backup refuses to overwrite, and names a missing database', async (t) => {
  const h = await serverFor(t);
  const dir = await tempDir(t);
  const target = path.join(dir, 'one.db');
  assert.equal((await run(['backup', target, '--data-dir', h.dataDir])).code, 0);
  const again = await run(['backup', target, '--data-dir', h.dataDir]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /one\.db exists already; give a new file name/u);
  const nowhere = await run([
    'backup',
    path.join(dir, 'two.db'),
    '--data-dir',
    path.join(dir, 'none'),
  ]);
  assert.equal(nowhere.code, 1);
  assert.match(
    nowhere.stderr,
    /no database at .*natter\.db: is --data-dir the server's data directory\?/u,
  );
});
