/**
 * 10,000 fuzzed native frames through a real server (issue #5): malformed
 * JSON, truncated UTF-8, NULs, huge and odd numbers, deep nesting, unknown
 * types, wrong field types, valid frames with random fields, lines near the
 * size limit. Flood control is opened wide (malformed lines cost strikes),
 * so the server has to answer every one. Afterwards it still answers, a new
 * client can log in and chat, and its memory has not run away.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeClientFrame } from '../../src/protocol/codec.ts';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.ts';
import { say, serverFor, type Harness, type NativeClient } from '../helpers/server.ts';
import { fuzzLineBytes, Rng } from '../fuzz/generators.ts';

const SEED = Number(process.env.NATTER_FUZZ_SEED ?? 0xf022);
const TOTAL = 10_000;
const BATCH = 100;
/** A fresh connection every this many batches (and whenever the fuzz closed one). */
const BATCHES_PER_CONNECTION = 10;
const WIDE_OPEN = {
  floodBurst: 1e9,
  floodPerSecond: 1e9,
  floodQueue: 1e9,
  floodStrikes: 1e9,
};
const MiB = 1024 * 1024;
const LIMIT = DEFAULT_LIMITS.maxLineBytes;

async function connection(h: Harness, n: number): Promise<NativeClient> {
  // Most connections log in first; some stay logged out, to fuzz that path too.
  return n % 4 === 3 ? h.nativeConnect() : h.native(`fz${n}`);
}

test(`${TOTAL} fuzzed frames leave the server up, answering, and bounded in memory (seed ${SEED})`, async (t) => {
  const h = await serverFor(t, { limits: WIDE_OPEN });
  const rng = new Rng(SEED);
  // Warm up (first login, first store writes), then take the baseline.
  const warm = await h.native('warmup');
  say(warm, 'warm');
  await warm.waitFor('ack');
  const rssBefore = process.memoryUsage.rss();

  let connections = 0;
  let closedByFuzz = 0;
  let client = await connection(h, connections++);
  let processed = 0;
  for (let batch = 0; processed < TOTAL; batch++) {
    if (client.closed || batch % BATCHES_PER_CONNECTION === 0) {
      client.close();
      client = await connection(h, connections++);
    }
    const lines: Buffer[] = [];
    for (let i = 0; i < BATCH; i++) lines.push(fuzzedLine(rng), Buffer.from('\n'));
    const token = `batch-${batch}`;
    lines.push(Buffer.from(JSON.stringify({ type: 'ping', token }) + '\n'));
    client.socket.write(Buffer.concat(lines));
    try {
      await client.waitFor('pong', { token });
      processed += BATCH; // the pong comes after every line before it was handled
    } catch (error) {
      // A fuzzed quit, a fatal error (a line over the limit, a bad version) ends
      // the connection; anything else is a failure.
      if (!client.closed) throw new Error(`seed ${SEED}, batch ${batch}: ${String(error)}`);
      closedByFuzz++;
    }
    for (const line of client.lines) assertServerLine(line);
  }
  client.close();

  // Still up: new people can log in and talk.
  const alice = await h.native('alice-after');
  const bob = await h.native('bob-after');
  await alice.waitFor('join', { name: 'bob-after' });
  const id = say(alice, 'still standing');
  await alice.waitFor('ack', { id });
  await bob.waitFor('message', { from: 'alice-after', text: 'still standing' });

  const metrics = h.server.metrics.snapshot();
  assert.ok(metrics.protocol_errors! > TOTAL / 10, `protocol errors: ${metrics.protocol_errors}`);
  assert.ok(metrics.logins! > connections / 2, `logins: ${metrics.logins}`);
  assert.ok(closedByFuzz < connections / 2, `${closedByFuzz} of ${connections} connections closed`);
  // The process holds the server and every client; 10,000 frames of at most
  // 16 KiB must not leave a lasting footprint anywhere near their total size.
  const grown = process.memoryUsage.rss() - rssBefore;
  t.diagnostic(
    `rss ${Math.round(rssBefore / MiB)} -> ${Math.round(process.memoryUsage.rss() / MiB)} MiB; ` +
      `${processed} frames confirmed in ${connections} connections, ${closedByFuzz} closed by the fuzz`,
  );
  assert.ok(grown < 150 * MiB, `rss grew by ${Math.round(grown / MiB)} MiB`);
});

/**
 * A fuzzed line. Lines that end the connection (quit, a line over the limit,
 * a hello with another version) are kept rare, so most batches run to the end.
 */
function fuzzedLine(rng: Rng): Buffer {
  for (;;) {
    const line = fuzzLineBytes(rng, { maxLineBytes: LIMIT, longShare: 0.005, allowQuit: false });
    if (rng.chance(0.02) || !endsConnection(line)) return line;
  }
}

function endsConnection(line: Buffer): boolean {
  if (line.length > LIMIT) return true;
  try {
    const frame = decodeClientFrame(line.toString('utf8'), {
      maxJsonDepth: DEFAULT_LIMITS.maxJsonDepth,
      maxTextChars: LIMIT,
    });
    return frame.type === 'quit' || (frame.type === 'hello' && frame.version !== 1);
  } catch {
    return false;
  }
}

/** Whatever the input, what the server sends is one JSON object per line with a known type. */
function assertServerLine(line: string): void {
  const frame = JSON.parse(line) as { type?: unknown; code?: unknown };
  assert.equal(typeof frame.type, 'string', line);
  if (frame.type === 'error') assert.equal(typeof frame.code, 'string', line);
}
