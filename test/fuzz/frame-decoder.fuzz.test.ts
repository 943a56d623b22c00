/**
 * Fuzz: the native frame decoder and the line decoder under seeded random
 * input. Whatever arrives, decodeClientFrame returns a well-formed frame or
 * throws a NatterError with a decoder code, and the LineDecoder splits any
 * chunking of a stream the same way, never holding more than limit + 1 bytes.
 * A failure names its seed and input; bench/fuzz.ts runs the same for longer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.ts';
import {
  checkDecode,
  checkLineDecoder,
  CLIENT_TYPES,
  fuzzFrameText,
  fuzzStream,
  Rng,
  type DecodeOutcome,
} from './generators.ts';

const SEED = Number(process.env.NATTER_FUZZ_SEED ?? 0x5eed);
const COUNT = 20_000;
const LIMITS = {
  maxJsonDepth: DEFAULT_LIMITS.maxJsonDepth,
  maxTextChars: DEFAULT_LIMITS.maxLineBytes,
};

test(`decodeClientFrame: ${COUNT} fuzzed lines (seed ${SEED})`, () => {
  const rng = new Rng(SEED);
  const outcomes = new Map<string, number>();
  for (let i = 0; i < COUNT; i++) {
    const line = fuzzFrameText(rng, { maxLineBytes: DEFAULT_LIMITS.maxLineBytes });
    let outcome: DecodeOutcome;
    try {
      outcome = checkDecode(line, LIMITS);
    } catch (error) {
      assert.fail(
        `seed ${SEED}, input ${i}: ${(error as Error).message}\n${JSON.stringify(line).slice(0, 500)}`,
      );
    }
    const key = 'frame' in outcome ? `frame:${outcome.frame.type}` : `error:${outcome.code}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
  // The generator must reach every kind of outcome, or the fuzz proves little.
  for (const key of ['error:bad_json', 'error:bad_frame', 'error:too_deep', 'error:unknown_type']) {
    assert.ok((outcomes.get(key) ?? 0) > 50, `${key}: ${JSON.stringify([...outcomes])}`);
  }
  const decoded = [...outcomes].filter(([k]) => k.startsWith('frame:'));
  assert.equal(
    decoded.length,
    CLIENT_TYPES.length,
    `every frame type decoded at least once: ${JSON.stringify(decoded)}`,
  );
});

test('decodeClientFrame: hand-picked hostile lines', () => {
  const lines = [
    '',
    ' ',
    'null',
    '0',
    '"say"',
    '[]',
    '{}',
    '{"type":null}',
    '{"type":"__proto__"}',
    '{"type":"constructor"}',
    '{"__proto__":{"type":"say"},"type":"ping"}',
    '{"type":"say","id":"x","text":"t","__proto__":{"polluted":1}}',
    '{"type":"hello","version":1e308,"name":"a"}',
    '{"type":"hello","version":-0,"name":"a"}',
    '{"type":"hello","version":1e999,"name":"a"}',
    '{"type":"hello","version":1,"name":"a","resume":{"__proto__":1}}',
    '{"type":"history","limit":1e308}',
    '{"type":"history","limit":-0}',
    '{"type":"history","limit":9007199254740993}',
    '{"type":"history","before":NaN}',
    '{"type":"say","id":"' + 'i'.repeat(65) + '","text":"t"}',
    '{"type":"say","id":"","text":"t"}',
    '{"type":"say","id":"x","text":"\\ud800"}',
    '{"type":"say","id":"x","text":"a\\u0000b"}',
    '{"type":"say","id":"x","text":"t"}{"type":"say"}',
    '\ufeff{"type":"rooms"}',
    '['.repeat(100_000),
    '{"a":'.repeat(20_000),
    '"' + '\\"'.repeat(10_000) + '[[[[[[[[[[[[',
  ];
  for (const line of lines) {
    try {
      checkDecode(line, LIMITS);
    } catch (error) {
      assert.fail(`${JSON.stringify(line).slice(0, 120)}: ${(error as Error).message}`);
    }
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
});

test(`LineDecoder: ${COUNT / 10} fuzzed streams in random chunkings match the reference (seed ${SEED})`, () => {
  const rng = new Rng(SEED + 1);
  let lines = 0;
  let errors = 0;
  for (let i = 0; i < COUNT / 10; i++) {
    // Small limits make the over-limit paths common; the default one keeps them honest.
    const limit = rng.pick([1, 2, 16, 64, 300, DEFAULT_LIMITS.maxLineBytes]);
    const stream = fuzzStream(rng, limit);
    try {
      for (const event of checkLineDecoder(rng, stream, limit)) {
        if ('line' in event) lines++;
        else errors++;
      }
    } catch (error) {
      assert.fail(
        `seed ${SEED + 1}, stream ${i}, limit ${limit}: ${(error as Error).message}\n` +
          JSON.stringify(Buffer.from(stream).toString('latin1')).slice(0, 500),
      );
    }
  }
  assert.ok(
    lines > 1000 && errors > 1000,
    `both lines (${lines}) and errors (${errors}) were seen`,
  );
});
