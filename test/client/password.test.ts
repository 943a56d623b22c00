/**
 * `natter chat` logging in to a registered name: the password comes from
 * --password-file in scripts; a wrong or missing one fails the run with the
 * server's code, and nothing is sent under the name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AccountServer, createAccount } from '../accounts/helpers.ts';
import { runChat, tempHome } from './helpers.ts';

const PASSWORD = 'correct horse battery';

async function passwordFile(home: string, text: string): Promise<string> {
  const file = path.join(home, 'password');
  await writeFile(file, `${text}\n`, { mode: 0o600 });
  return file;
}

function args(port: number, user: string, ...more: string[]): string[] {
  return ['--port', String(port), '--user', user, '--accept-new-host', '--line', ...more];
}

test('--password-file logs in to a registered name and the message is stored', async (t) => {
  const harness = await AccountServer.start(t);
  await createAccount(harness, 'owner', PASSWORD);
  const home = await tempHome(t);
  const file = await passwordFile(home, PASSWORD);
  const run = await runChat(args(harness.port, 'owner', '--password-file', file), home, [
    'signed in properly',
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(
    run.stdout.some((line) => /#lobby <owner> signed in properly$/u.test(line)),
    run.stdout.join('\n'),
  );
  assert.ok(!run.stderr.includes(PASSWORD), 'the password is never printed');
});

test('a wrong password fails the run with unauthorized and sends nothing', async (t) => {
  const harness = await AccountServer.start(t);
  await createAccount(harness, 'owner', PASSWORD);
  const home = await tempHome(t);
  const file = await passwordFile(home, 'not the password');
  const run = await runChat(args(harness.port, 'owner', '--password-file', file), home, [
    'should never be stored',
  ]);
  assert.notEqual(run.code, 0);
  assert.match(run.stdout.join('\n') + run.stderr, /unauthorized: wrong password for owner/u);
  assert.ok(!run.stdout.some((line) => line.includes('should never be stored')));
  assert.ok(!(run.stdout.join('\n') + run.stderr).includes('not the password'));
});

test('no password for a registered name fails with password_required', async (t) => {
  const harness = await AccountServer.start(t);
  await createAccount(harness, 'owner', PASSWORD);
  const home = await tempHome(t);
  const run = await runChat(args(harness.port, 'owner'), home, ['hello?']);
  assert.notEqual(run.code, 0);
  assert.match(run.stdout.join('\n') + run.stderr, /password_required/u);
});
