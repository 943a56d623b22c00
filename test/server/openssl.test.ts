/**
 * Foreign TLS line clients in text mode (ARCHITECTURE.md: "Any TLS line
 * client can chat too"): a real `openssl s_client` and Python's `ssl`,
 * talking to a native peer. Skipped, visibly, when the program is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onPath, ProcessLines, say, serverFor } from '../helpers/server.ts';

const STAMP = String.raw`\[\d\d:\d\d:\d\d\]`;

/** A minimal line client: server lines to stdout, stdin lines to the server. */
const PYTHON_CLIENT = String.raw`
import os, socket, ssl, sys, threading
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
sys.stderr.write("negotiated %s\n" % sock.version())
def send_stdin():
    for line in sys.stdin.buffer:
        sock.sendall(line)
threading.Thread(target=send_stdin, daemon=True).start()
for line in sock.makefile("rb"):
    sys.stdout.buffer.write(line)
    sys.stdout.flush()
os._exit(0)  # the server closed; do not wait for the stdin thread
`;

/** The whole exchange, whatever the program: log in, talk to a native peer, quit. */
async function chatThrough(client: ProcessLines, peer: Awaited<ReturnType<typeof nativePeer>>) {
  // Greeting and prompt, each a complete line.
  assert.match(await client.waitForLine(/^-- natter/u), /^-- natter on test: text mode\./u);
  await client.waitForLine(/^Choose a username:$/u);
  client.write('outsider');
  await client.waitForLine(/^-- Welcome, outsider! /u);
  await peer.waitFor('join', { name: 'outsider' });

  client.write('hello from a foreign client');
  const message = await peer.waitFor('message', { text: 'hello from a foreign client' });
  assert.equal(message.from, 'outsider');
  assert.equal(message.room, '#lobby');

  say(peer, 'hello back, outsider');
  await client.waitForLine(new RegExp(`^${STAMP} #lobby <peer> hello back, outsider$`, 'u'));

  client.write('/quit done');
  await client.waitForLine(/^-- goodbye$/u);
  await peer.waitFor('leave', { name: 'outsider', reason: 'quit: done' });
}

function nativePeer(h: Awaited<ReturnType<typeof serverFor>>) {
  return h.native('peer');
}

test(
  'openssl s_client -quiet: greeting, login, and a conversation with a native peer',
  { skip: onPath('openssl') ? false : 'openssl not installed' },
  async (t) => {
    const h = await serverFor(t);
    const peer = await nativePeer(h);
    const openssl = new ProcessLines('openssl', [
      's_client',
      '-quiet',
      '-connect',
      `127.0.0.1:${h.port}`,
      '-servername',
      'localhost',
    ]);
    t.after(() => openssl.stop());
    await chatThrough(openssl, peer);
    // s_client ends when the server closes the connection.
    await openssl.waitForExit();
  },
);

test(
  "python3's ssl module: greeting, login, and a conversation with a native peer",
  { skip: onPath('python3') ? false : 'python3 not installed' },
  async (t) => {
    const h = await serverFor(t);
    const peer = await nativePeer(h);
    const python = new ProcessLines('python3', ['-u', '-c', PYTHON_CLIENT, String(h.port)]);
    t.after(() => python.stop());
    await chatThrough(python, peer);
    const { code } = await python.waitForExit();
    assert.equal(code, 0, python.stderr);
    assert.match(python.stderr, /negotiated TLSv1\.[23]/u);
  },
);
