/**
 * Accounts an operator deletes or locks (natter admin accounts …), in the
 * SQLite store: a deleted account takes its rooms, read positions, tokens
 * and room-operator grants with it, so whoever registers the name next
 * inherits none of them; a lock is kept across reopening the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { tempDir } from './helpers.ts';

const ACCOUNT = { nameKey: 'alice', name: 'alice', passwordHash: 'scrypt$x', createdAt: 1 };

test('deleting an account removes what follows it; a lock survives reopening', async (t) => {
  const file = path.join(await tempDir(t), 'natter.db');
  const store = new SqliteStore(file);
  assert.equal(await store.accounts.createAccount(ACCOUNT), true);
  await store.ensureRoom({ key: '#dev', name: '#dev', createdAt: 1 });
  await store.addMembership('alice', { roomKey: '#dev', roomName: '#dev', lastRead: 0 }, 2);
  await store.moderation.addRoomOperator({ roomKey: '#dev', nameKey: 'alice', grantedBy: 'x' });
  assert.equal((await store.listMemberships('alice')).length, 1);
  await store.saveResumeToken('hash', { nameKey: 'alice', since: 1 }, Date.now() + 60_000);
  assert.ok(await store.findResumeToken('hash', Date.now()));

  assert.equal(await store.accounts.setLocked('alice', true), true);
  assert.equal(await store.accounts.setLocked('nobody', true), false);
  await store.close();
  const reopened = new SqliteStore(file);
  t.after(() => reopened.close());
  assert.equal((await reopened.accounts.getAccount('alice'))?.locked, true);
  assert.deepEqual(
    (await reopened.accounts.listAccounts()).map((a) => [a.name, a.locked]),
    [['alice', true]],
  );

  assert.equal(await reopened.accounts.deleteAccount('alice'), true);
  assert.equal(await reopened.accounts.deleteAccount('alice'), false);
  assert.equal(await reopened.accounts.getAccount('alice'), undefined);
  assert.deepEqual(await reopened.listMemberships('alice'), []);
  assert.deepEqual(await reopened.moderation.listRoomOperators(), []);
  assert.equal(await reopened.findResumeToken('hash', Date.now()), undefined);
  assert.equal(await reopened.accounts.createAccount(ACCOUNT), true, 'the name is free again');
  assert.equal((await reopened.accounts.getAccount('alice'))?.locked, false);
});
