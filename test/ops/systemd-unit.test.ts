/**
 * docs/deploy/natter.service: sandboxed as docs/operations.md says, and
 * accepted by `systemd-analyze verify` with its paths pointed at this
 * checkout (verify checks that ExecStart's program exists).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { onPath } from '../helpers/server.ts';
import { ROOT, tempDir } from './helpers.ts';

const UNIT = path.join(ROOT, 'docs', 'deploy', 'natter.service');

/** systemd-analyze, installed from the distribution when missing; null with the reason when it cannot be. */
function systemdAnalyze(): { ok: true } | { ok: false; reason: string } {
  if (onPath('systemd-analyze')) return { ok: true };
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    return {
      ok: false,
      reason: 'systemd-analyze is missing and apt-get cannot run here (not root or no apt)',
    };
  }
  const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'systemd'], {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 300_000,
  });
  if (onPath('systemd-analyze')) return { ok: true };
  return {
    ok: false,
    reason: `the systemd package could not be installed: ${(install.stderr || String(install.error)).slice(-300)}`,
  };
}

test('the unit is sandboxed: dynamic user, state directory, read-only system, no capabilities, reload by SIGHUP', async () => {
  const unit = await readFile(UNIT, 'utf8');
  const directives = new Map<string, string[]>();
  for (const line of unit.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/u.exec(line.trim());
    if (match) directives.set(match[1]!, [...(directives.get(match[1]!) ?? []), match[2]!]);
  }
  const one = (name: string) => directives.get(name)?.at(-1);
  assert.equal(one('DynamicUser'), 'yes');
  assert.equal(one('StateDirectory'), 'natter');
  assert.equal(one('ProtectSystem'), 'strict');
  assert.equal(one('NoNewPrivileges'), 'yes');
  assert.equal(
    one('CapabilityBoundingSet'),
    '',
    'no capabilities (the default port is above 1023)',
  );
  assert.equal(one('Restart'), 'on-failure');
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.match(one('ExecStart') ?? '', / serve .*--data-dir \/var\/lib\/natter$/u);
});

test('systemd-analyze verify accepts the unit', async (t) => {
  const tool = systemdAnalyze();
  if (!tool.ok) {
    t.skip(tool.reason);
    return;
  }
  const dir = await tempDir(t);
  const unit = (await readFile(UNIT, 'utf8')).replaceAll('/opt/natter', ROOT);
  const file = path.join(dir, 'natter.service');
  await writeFile(file, unit);
  const result = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  // verify prints problems with the unit on stderr even when it exits 0 for some of them.
  const complaints = result.stderr.split('\n').filter((line) => line.includes('natter.service'));
  assert.deepEqual(complaints, []);

  // And it does fail on a broken unit, so a pass means something.
  const broken = path.join(dir, 'broken.service');
  await writeFile(broken, unit.replace('ExecStart=', 'ExecStart=/nonexistent/natter '));
  const bad = spawnSync('systemd-analyze', ['verify', '--man=no', broken], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0, 'a missing program fails verification');
  assert.match(bad.stderr, /\/nonexistent\/natter is not executable/u);
});
