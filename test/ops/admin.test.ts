/**
 * The admin socket: owner-only (mode 0600, and a cookie only the owner or
 * root can read), and natter admin's commands acting on a running server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { checkName } from '../../src/core/names.ts';
import { hashPassword } from '../../src/server/passwords.ts';
import { DATABASE_FILE } from '../../src/server/server.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { FAST_SCRYPT } from '../accounts/helpers.ts';
import { NativeClient, TextClient } from '../helpers/server.ts';
import { run, serve, tempDir } from './helpers.ts';

function rawRequest(socketPath: string, line: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let data = '';
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(line + '\n'));
    socket.on('data', (c: string) => (data += c));
    socket.once('error', reject);
    socket.once('end', () => resolve(JSON.parse(data) as Record<string, unknown>));
  });
}

test('the admin socket is 0600 and refuses another user; a peer without the cookie is refused', async (t) => {
  const dataDir = await tempDir(t);
  await chmod(dataDir, 0o755); // even a readable data directory does not open the socket
  const served = await serve(t, ['--data-dir', dataDir]);
  const socketPath = path.join(dataDir, 'admin.sock');
  const socketStat = await stat(socketPath);
  assert.ok(socketStat.isSocket());
  assert.equal(socketStat.mode & 0o777, 0o600);
  assert.equal((await stat(path.join(dataDir, 'admin.cookie'))).mode & 0o777, 0o600);

  // Another user: as root (how the suite runs here and in CI) the client runs as nobody.
  const asOther = process.getuid?.() === 0 ? { uid: 65534 } : {};
  if (asOther.uid !== undefined) {
    const other = await run(['admin', 'status', '--data-dir', dataDir], asOther);
    assert.equal(other.code, 1, other.stdout);
    assert.match(
      other.stderr,
      /permission denied on .*admin\.(cookie|sock): the admin .* is for the user the server runs as/u,
    );
  }

  // Even with the socket's mode loosened, a peer that cannot read the cookie gets nothing.
  await chmod(socketPath, 0o666);
  const reply = await rawRequest(
    socketPath,
    JSON.stringify({ cookie: 'guess', command: 'status' }),
  );
  assert.equal(reply.ok, false);
  assert.equal(reply.code, 'unauthorized');
  assert.equal(reply.result, undefined);
  const junk = await rawRequest(socketPath, 'not json');
  assert.equal(junk.code, 'bad_json');
  assert.equal(served.proc.exitCode, null, 'the server is still up');

  const status = await run(['admin', 'status', '--data-dir', dataDir]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^version: \d+\.\d+\.\d+$/mu);
  assert.match(status.stdout, /^store: ok$/mu);
});

test('natter admin kick, ban, say, rooms, sessions and accounts act on the running server', async (t) => {
  const dataDir = await tempDir(t);
  const store = new SqliteStore(path.join(dataDir, DATABASE_FILE));
  for (const name of ['carol', 'dave']) {
    const checked = checkName(name);
    assert.ok(checked.ok);
    await store.accounts.createAccount({
      nameKey: checked.key,
      name: checked.display,
      passwordHash: await hashPassword(`${name}-password-123`, FAST_SCRYPT),
      createdAt: Date.now(),
    });
  }
  await store.close();
  const served = await serve(t, ['--data-dir', dataDir]);
  const admin = (...args: string[]) => run(['admin', ...args, '--data-dir', dataDir]);
  const alice = await NativeClient.login(served.port, 'alice');
  const bob = await TextClient.login(served.port, 'bob');
  const carol = await NativeClient.connect(served.port);
  t.after(() => {
    alice.close();
    bob.close();
    carol.close();
  });
  carol.send({ type: 'hello', version: 1, name: 'carol', password: 'carol-password-123' });
  await carol.waitFor('welcome');

  const sessions = await admin('sessions');
  assert.equal(sessions.code, 0, sessions.stderr);
  assert.match(sessions.stdout, /name=alice account=false dialect=native/u);
  assert.match(sessions.stdout, /name=bob account=false dialect=text/u);
  assert.match(sessions.stdout, /name=carol account=true/u);
  const rooms = await admin('rooms');
  assert.match(rooms.stdout, /^room=#lobby members=3 topic=null$/mu);

  const said = await admin('say', 'maintenance', 'at', '23:00');
  assert.equal(said.code, 0, said.stderr);
  await alice.waitFor('notice', { text: '[server] maintenance at 23:00' });
  await bob.waitForLine(/\[server\] maintenance at 23:00$/u);

  const kicked = await admin('kick', 'bob', '--reason', 'spam');
  assert.equal(kicked.code, 0, kicked.stderr);
  assert.match(kicked.stdout, /^kicked: bob$/mu);
  await bob.waitForLine(/^-- kicked by the server operators: spam$/u);
  await bob.waitForClose();
  await alice.waitFor('leave', { name: 'bob' });

  const nobody = await admin('kick', 'bob');
  assert.equal(nobody.code, 1);
  assert.match(nobody.stderr, /no_such_user: bob is not online/u);

  const banned = await admin('ban', 'alice', '--duration', '1h', '--reason', 'flooding');
  assert.equal(banned.code, 0, banned.stderr);
  const ban = await alice.waitFor('moderation', { action: 'ban' });
  assert.equal(ban.by, 'server operators');
  assert.equal(ban.reason, 'flooding');
  await alice.waitFor('error', { code: 'banned' });
  await alice.waitForClose();

  const list = await admin('accounts', 'list');
  assert.match(list.stdout, /^name=carol created=\S+ locked=false operator=false online=1$/mu);
  assert.match(list.stdout, /^name=dave created=\S+ locked=false operator=false online=0$/mu);

  const locked = await admin('accounts', 'lock', 'carol');
  assert.equal(locked.code, 0, locked.stderr);
  await carol.waitFor('bye');
  await carol.waitForClose();
  const again = await NativeClient.connect(served.port);
  t.after(() => again.close());
  again.send({ type: 'hello', version: 1, name: 'carol', password: 'carol-password-123' });
  const refused = await again.waitFor('error', { code: 'unauthorized' });
  assert.match(refused.message, /carol is locked/u);

  const deleted = await admin('accounts', 'delete', 'dave');
  assert.equal(deleted.code, 0, deleted.stderr);
  const after = await admin('accounts', 'list', '--json');
  const reply = JSON.parse(after.stdout) as {
    ok: boolean;
    result: { name: string; locked: boolean }[];
  };
  assert.deepEqual(
    reply.result.map((a) => [a.name, a.locked]),
    [['carol', true]],
  );
  const unknown = await admin('accounts', 'delete', 'dave');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no_such_user: dave is not registered/u);
});
