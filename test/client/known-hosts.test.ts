/** known_hosts: parsing a file people edit by hand, and writing it safely. */
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import {
  KNOWN_HOSTS_HEADER,
  addKnownHost,
  defaultKnownHostsFile,
  hostPortKey,
  parseKnownHosts,
  readKnownHosts,
} from '../../src/tls/known-hosts.ts';
import { tempHome } from './helpers.ts';

const FP_A = Array.from({ length: 32 }, (_, i) => (i + 0xa0).toString(16).toUpperCase()).join(':');
const FP_B = Array.from({ length: 32 }, (_, i) => (i + 0x10).toString(16).toUpperCase()).join(':');

test('parses entries, skipping comments and blank lines', () => {
  const text = [
    '# natter known_hosts',
    '',
    `localhost:7447 SHA256 ${FP_A}`,
    '   # an indented comment',
    `chat.example.org:443   sha256   ${FP_B.toLowerCase()}  `,
    '',
  ].join('\n');
  assert.deepEqual(parseKnownHosts(text), {
    entries: [
      { hostPort: 'localhost:7447', fingerprint: FP_A, line: 3 },
      { hostPort: 'chat.example.org:443', fingerprint: FP_B, line: 5 },
    ],
    warnings: [],
  });
});

test('IPv6 entries are [address]:port, in one canonical spelling', () => {
  const text = [`[::1]:7447 SHA256 ${FP_A}`, `[0:0:0:0:0:0:0:1]:7448 SHA256 ${FP_B}`].join('\n');
  const { entries, warnings } = parseKnownHosts(text);
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    entries.map((e) => e.hostPort),
    ['[::1]:7447', '[::1]:7448'],
  );
  assert.equal(hostPortKey('::1', 7447), '[::1]:7447');
  assert.equal(hostPortKey('[::1]', 7447), '[::1]:7447');
  assert.equal(hostPortKey('FE80:0:0:0:0:0:0:1', 1), '[fe80::1]:1');
  assert.equal(hostPortKey('LocalHost', 7447), 'localhost:7447');
  assert.equal(hostPortKey('127.0.0.1', 7447), '127.0.0.1:7447');
});

test('bad lines are ignored with a warning naming the line; good lines still count', () => {
  const text = [
    `localhost:7447 SHA256 ${FP_A}`,
    'garbage',
    `localhost SHA256 ${FP_A}`, // no port
    `::1:7447 SHA256 ${FP_A}`, // IPv6 without brackets is ambiguous
    `[::g]:7447 SHA256 ${FP_A}`,
    `host:70000 SHA256 ${FP_A}`,
    `host:1 SHA1 ${FP_A}`,
    'host:1 SHA256 AB:CD',
    `host:1 SHA256 ${FP_A} extra`,
    `example.net:7447 SHA256 ${FP_B}`,
  ].join('\n');
  const { entries, warnings } = parseKnownHosts(text, '~/.config/natter/known_hosts');
  assert.deepEqual(
    entries.map((e) => [e.hostPort, e.line]),
    [
      ['localhost:7447', 1],
      ['example.net:7447', 10],
    ],
  );
  assert.equal(warnings.length, 8);
  assert.deepEqual(
    warnings.map((w) => /line (\d+)/u.exec(w)?.[1]),
    ['2', '3', '4', '5', '6', '7', '8', '9'],
  );
  assert.ok(warnings.every((w) => w.startsWith('~/.config/natter/known_hosts line ')));
  assert.match(warnings[0]!, /expected "host:port SHA256 fingerprint"; line ignored/u);
  assert.match(warnings[6]!, /not a SHA-256 fingerprint/u);
});

test('a missing file is an empty list', async (t) => {
  const home = await tempHome(t);
  assert.deepEqual(await readKnownHosts(path.join(home, 'nope', 'known_hosts')), {
    entries: [],
    warnings: [],
  });
});

test('adding creates a private directory and file with a header, and keeps every other line', async (t) => {
  const home = await tempHome(t);
  const file = path.join(home, 'config', 'natter', 'known_hosts');

  await addKnownHost(file, 'localhost:7447', FP_A);
  assert.equal(
    await readFile(file, 'utf8'),
    `${KNOWN_HOSTS_HEADER}\nlocalhost:7447 SHA256 ${FP_A}\n`,
  );
  assert.equal((await stat(path.dirname(file))).mode & 0o777, 0o700);
  assert.equal((await stat(file)).mode & 0o777, 0o600);

  // A person's edits, even lines this version cannot read, survive.
  await writeFile(file, `# mine\nnot an entry\nlocalhost:7447 SHA256 ${FP_A}`); // no final newline
  await addKnownHost(file, '[::1]:7447', FP_B);
  assert.equal(
    await readFile(file, 'utf8'),
    `# mine\nnot an entry\nlocalhost:7447 SHA256 ${FP_A}\n[::1]:7447 SHA256 ${FP_B}\n`,
  );
  const parsed = await readKnownHosts(file);
  assert.deepEqual(
    parsed.entries.map((e) => e.hostPort),
    ['localhost:7447', '[::1]:7447'],
  );
  assert.deepEqual(await readdir(path.dirname(file)), ['known_hosts'], 'no temporary files left');
});

test('the file lives in $XDG_CONFIG_HOME/natter, else ~/.config/natter', () => {
  assert.equal(
    defaultKnownHostsFile({ XDG_CONFIG_HOME: '/xdg', HOME: '/home/me' }),
    path.join('/xdg', 'natter', 'known_hosts'),
  );
  assert.equal(
    defaultKnownHostsFile({ HOME: '/home/me' }),
    path.join('/home/me', '.config', 'natter', 'known_hosts'),
  );
  // A relative XDG_CONFIG_HOME is invalid by the XDG rules and ignored.
  assert.equal(
    defaultKnownHostsFile({ XDG_CONFIG_HOME: 'relative', HOME: '/home/me' }),
    path.join('/home/me', '.config', 'natter', 'known_hosts'),
  );
});
