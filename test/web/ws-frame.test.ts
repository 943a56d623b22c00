/**
 * WebSocket framing on the server: a broadcast is framed once, and the
 * frames are what a real WebSocket parser (the `ws` package's) reads back,
 * at every length encoding (7-bit, 16-bit and 64-bit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { Outgoing } from '../../src/server/outgoing.ts';
import { textFrame } from '../../src/server/ws-frame.ts';

/** ws's frame parser; its type definitions leave it out. */
const { Receiver } = createRequire(import.meta.url)('ws') as {
  Receiver: new (options: { isServer: boolean; maxPayload?: number }) => Writable;
};

function parse(frame: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    // A client-side receiver: frames from a server are unmasked.
    const receiver = new Receiver({ isServer: false, maxPayload: 0 });
    receiver.on('message', (data: Buffer, isBinary: boolean) => {
      assert.equal(isBinary, false);
      resolve(data.toString('utf8'));
    });
    receiver.on('error', reject);
    receiver.write(frame);
  });
}

test('text frames parse back at each length encoding, byte-at-a-time too', async () => {
  for (const length of [0, 1, 125, 126, 65_535, 65_536, 200_000]) {
    const payload = 'é'.repeat(Math.floor(length / 2)) + 'x'.repeat(length % 2);
    const frame = textFrame(Buffer.from(payload));
    assert.equal(await parse(frame), payload, `length ${length}`);
  }
  const frame = textFrame(Buffer.from('{"type":"pong"}'));
  const receiver = new Receiver({ isServer: false });
  const got = new Promise<string>((resolve) =>
    receiver.on('message', (d: Buffer) => resolve(d.toString())),
  );
  for (const byte of frame) receiver.write(Buffer.from([byte]));
  assert.equal(await got, '{"type":"pong"}');
});

test('a broadcast is framed for WebSocket once, and carries the NDJSON frame without its newline', async () => {
  const out = new Outgoing({ type: 'notice', text: 'hello' });
  const first = out.webSocketFrame();
  assert.equal(out.webSocketFrame(), first, 'the same Buffer for every recipient');
  assert.equal(await parse(first), '{"type":"notice","text":"hello"}');
});
