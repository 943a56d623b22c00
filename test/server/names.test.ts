/**
 * Refused usernames, through a real server in both dialects: each refusal
 * has its stable code and a reason, changes nothing, and leaves the client
 * free to pick another name on the same connection.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ErrorCode } from '../../src/protocol/errors.ts';
import { serverFor } from '../helpers/server.ts';

// Name rules, not the pre-login budget (test/abuse/login-flood.test.ts): one connection tries them all.
const h = await serverFor({ after }, { limits: { loginBurst: 1_000 } });
// The name everyone below collides with.
const ace = await h.native('ace');
await ace.waitFor('who', { room: '#lobby' }); // the one every join brings

interface Refusal {
  what: string;
  name: string;
  code: ErrorCode;
  reason: RegExp;
}

const REFUSALS: Refusal[] = [
  { what: 'the exact name', name: 'ace', code: 'name_taken', reason: /ace is already taken/u },
  {
    what: 'the name in another case',
    name: 'ACE',
    code: 'name_taken',
    reason: /ACE is already taken \(too similar to ace\)/u,
  },
  {
    what: 'a whole-script Cyrillic look-alike (асе)',
    name: '\u0430\u0441\u0435',
    code: 'name_taken',
    reason: /too similar to ace/u,
  },
  {
    what: 'a Latin/Cyrillic mix',
    name: 'a\u0441e',
    code: 'name_invalid',
    reason: /mix scripts \(Latin and Cyrillic\)/u,
  },
  { what: 'a reserved name', name: 'admin', code: 'name_reserved', reason: /'admin' is reserved/u },
  { what: 'an empty name', name: '', code: 'name_invalid', reason: /empty/u },
  { what: '33 characters', name: 'n'.repeat(33), code: 'name_invalid', reason: /has 33/u },
  {
    what: 'a zero-width joiner inside',
    name: 'a\u200db',
    code: 'name_invalid',
    reason: /invisible.*U\+200D/u,
  },
];

const admitted: string[] = ['ace'];
let nextName = 0;
function freshName(dialect: string): string {
  const name = `${dialect}${++nextName}`;
  admitted.push(name);
  return name;
}

for (const refusal of REFUSALS) {
  test(`text mode: ${refusal.what} is refused with ${refusal.code}, then another name gets in`, async () => {
    const client = await h.textConnect();
    client.write(refusal.name);
    const line = await client.waitForLine(() => true, 'the reply to the name');
    assert.match(line, new RegExp(`^! ${refusal.code}: \\S`, 'u'));
    assert.match(line, refusal.reason);
    assert.equal(
      await client.waitForLine(() => true, 'the prompt again'),
      'Choose a username:',
      'the prompt comes again',
    );

    const name = freshName('text');
    client.write(name);
    assert.match(
      await client.waitForLine(() => true, 'the welcome'),
      new RegExp(`^-- Welcome, ${name}! `, 'u'),
    );
  });

  test(`native: ${refusal.what} is refused with ${refusal.code} (not fatal), then a second hello works`, async () => {
    const client = await h.nativeConnect();
    client.send({ type: 'hello', version: 1, name: refusal.name });
    const error = await client.waitForFrame(() => true, 'the reply to hello');
    assert.equal(error.type, 'error');
    if (error.type !== 'error') return;
    assert.equal(error.code, refusal.code);
    assert.match(error.message, refusal.reason);
    assert.equal(error.fatal, undefined, 'a refused name is not fatal');

    const name = freshName('native');
    client.send({ type: 'hello', version: 1, name });
    const welcome = await client.waitForFrame(() => true, 'the welcome');
    assert.equal(welcome.type, 'welcome');
    if (welcome.type === 'welcome') assert.equal(welcome.name, name);
  });
}

test('one text connection may be refused again and again before it gets in', async () => {
  const client = await h.textConnect();
  for (const refusal of REFUSALS) {
    client.write(refusal.name);
    assert.match(await client.waitForLine(() => true), new RegExp(`^! ${refusal.code}: `, 'u'));
    assert.equal(await client.waitForLine(() => true), 'Choose a username:');
  }
  const name = freshName('patient');
  client.write(name);
  await client.waitForLine(new RegExp(`^-- Welcome, ${name}! `, 'u'));
});

test('refused names changed nothing: only the admitted names are online', async () => {
  ace.send({ type: 'who' });
  const who = await ace.waitFor('who', { room: '#lobby' });
  assert.deepEqual([...who.users].sort(), [...admitted].sort());
  assert.equal(new Set(who.users).size, who.users.length, 'nobody listed twice');
});
