/**
 * A generated certificate that fits where natter listens: on 0.0.0.0 it
 * covers the machine's addresses and --cert-names, signed by the data
 * directory's local CA; natter chat --ca ca.crt connects through a
 * non-loopback address; changing the names makes a new certificate and
 * prints the old fingerprint beside the new one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import path from 'node:path';
import { machineAddresses, parseCertNames, wantedCertNames } from '../../src/tls/cert-names.ts';
import { TextClient } from '../helpers/server.ts';
import { run, serve, tempDir } from './helpers.ts';

// The machine's own non-loopback address; on a machine with loopback only,
// 127.0.0.2 stands in (Linux routes 127/8 to lo) and is added with --cert-names.
const MACHINE = machineAddresses().find((a) => isIPv4(a));
const ADDRESS = MACHINE ?? '127.0.0.2';
const EXTRA = MACHINE ? 'natter.test' : 'natter.test,127.0.0.2';

function chat(port: number, home: string, args: string[], input: string) {
  return run(['chat', '--port', String(port), '--user', 'bot', '--line', ...args], {
    input,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') },
  });
}

test('on 0.0.0.0 with --cert-names, natter chat --ca ca.crt connects through a non-loopback address', async (t) => {
  const dataDir = await tempDir(t);
  const home = await tempDir(t);
  const served = await serve(t, [
    '--host',
    '0.0.0.0',
    '--data-dir',
    dataDir,
    '--cert-names',
    EXTRA,
  ]);
  const valid = served.banner.find((l) => l.startsWith('  valid for '));
  assert.ok(valid?.includes('natter.test') && valid.includes(ADDRESS), String(valid));
  assert.ok(
    served.banner.some((l) => l.includes('--ca data') || l.includes('ca.crt')),
    served.banner.join('\n'),
  );
  const ca = path.join(dataDir, 'certs', 'ca.crt');
  const peer = await TextClient.login(served.port, 'peer');
  t.after(() => peer.close());

  const byAddress = await chat(
    served.port,
    home,
    ['--host', ADDRESS, '--ca', ca],
    'via the address\n',
  );
  assert.equal(byAddress.code, 0, byAddress.stderr);
  await peer.waitForLine(/<bot> via the address$/u);

  const byName = await chat(
    served.port,
    home,
    ['--host', ADDRESS, '--tls-name', 'natter.test', '--ca', ca],
    'via the name\n',
  );
  assert.equal(byName.code, 0, byName.stderr);
  await peer.waitForLine(/<bot> via the name$/u);

  // A name the certificate does not carry: refused at connect, with the remedy.
  const wrong = await chat(
    served.port,
    home,
    ['--host', ADDRESS, '--tls-name', 'elsewhere.test', '--ca', ca],
    'never\n',
  );
  assert.equal(wrong.code, 3, wrong.stderr);
  assert.match(wrong.stderr, /not valid for the name "elsewhere\.test"/u);
  assert.match(wrong.stderr, /the certificate lists: DNS:localhost, .*DNS:natter\.test/u);
  assert.match(wrong.stderr, /natter serve --cert-names elsewhere\.test/u);
});

test('changing --cert-names makes a new certificate, printing the old fingerprint; the CA stays', async (t) => {
  const dataDir = await tempDir(t);
  const home = await tempDir(t);
  const first = await serve(t, ['--data-dir', dataDir, '--cert-names', 'one.test']);
  const caBefore = await readFile(path.join(dataDir, 'certs', 'ca.crt'), 'utf8');
  await first.proc.stop();

  const same = await serve(t, ['--data-dir', dataDir, '--cert-names', 'one.test']);
  assert.equal(same.fingerprint, first.fingerprint, 'same names: the certificate is reused');
  assert.ok(!same.banner.some((l) => l.startsWith('previous fingerprint')), same.banner.join('\n'));
  await same.proc.stop();

  const changed = await serve(t, ['--data-dir', dataDir, '--cert-names', 'one.test,two.test']);
  assert.notEqual(changed.fingerprint, first.fingerprint);
  assert.ok(
    changed.banner.includes(
      `previous fingerprint SHA256 ${first.fingerprint} (names changed; tell clients)`,
    ),
    changed.banner.join('\n'),
  );
  assert.equal(await readFile(path.join(dataDir, 'certs', 'ca.crt'), 'utf8'), caBefore);
  const ca = path.join(dataDir, 'certs', 'ca.crt');
  const ok = await chat(
    changed.port,
    home,
    ['--host', '127.0.0.1', '--tls-name', 'two.test', '--ca', ca],
    'hi\n',
  );
  assert.equal(ok.code, 0, ok.stderr);

  // natter cert ca prints that CA.
  const printed = await run(['cert', 'ca', '--data-dir', dataDir]);
  assert.equal(printed.code, 0, printed.stderr);
  assert.equal(printed.stdout, caBefore);
  assert.match(printed.stderr, /fingerprint SHA256 /u);
});

test('wanted names: loopback always, machine addresses on a wildcard host, extras validated', () => {
  const machine = { hostName: 'Box', addresses: () => ['192.0.2.9', '2001:db8:0:0:0:0:0:1'] };
  const local = wantedCertNames('127.0.0.1', undefined, machine);
  assert.deepEqual(local, { dns: ['localhost', 'box'], ips: ['127.0.0.1', '::1'] });
  const all = wantedCertNames('0.0.0.0', parseCertNames('Chat.Example.org, 10.0.0.1'), machine);
  assert.deepEqual(all, {
    dns: ['localhost', 'box', 'chat.example.org'],
    ips: ['127.0.0.1', '::1', '10.0.0.1', '192.0.2.9', '2001:db8::1'],
  });
  assert.deepEqual(wantedCertNames('192.0.2.50', undefined, machine).ips, [
    '127.0.0.1',
    '::1',
    '192.0.2.50',
  ]);
  assert.throws(
    () => parseCertNames('good.test,bad name'),
    /"bad name" is neither a DNS name nor an IP/u,
  );
  assert.deepEqual(parseCertNames('[::1], *.wild.test'), { dns: ['*.wild.test'], ips: ['::1'] });
});
