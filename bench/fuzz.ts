/**
 * The fuzzers of test/fuzz/, for longer: the native frame decoder, the line
 * decoder (random chunkings against a reference), text-mode input, and
 * Unicode input (sanitised text with surrogates, tag characters and piles of
 * marks; names disguised with look-alike letters; room names), with the same
 * generators and invariants. Prints the seed first, so a failure is
 * reproduced with --seed; prints the process RSS before and after.
 *
 * Usage: npm run fuzz [-- --count 1000000 --seed 12345 --target frames|lines|text|unicode|names|rooms|all]
 */
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS } from '../src/protocol/limits.ts';
import {
  checkDecode,
  checkLineDecoder,
  checkTextInput,
  fuzzFrameText,
  fuzzStream,
  fuzzTextLine,
  Rng,
} from '../test/fuzz/generators.ts';
import {
  checkLookalikeName,
  checkRoom,
  checkSanitized,
  fuzzLookalikeName,
  fuzzRoomName,
  fuzzUnicodeText,
} from '../test/fuzz/unicode.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '200000' },
    seed: { type: 'string' },
    target: { type: 'string', default: 'all' },
  },
});
const COUNT = Number(values.count);
const SEED =
  values.seed === undefined ? (Date.now() ^ (process.pid << 16)) >>> 0 : Number(values.seed);
const TARGET = values.target ?? 'all';
if (!Number.isSafeInteger(COUNT) || COUNT <= 0 || !Number.isSafeInteger(SEED)) {
  console.error(
    'usage: node bench/fuzz.ts [--count N] [--seed N] [--target frames|lines|text|unicode|names|rooms|all]',
  );
  process.exit(2);
}

const LIMITS = {
  maxJsonDepth: DEFAULT_LIMITS.maxJsonDepth,
  maxTextChars: DEFAULT_LIMITS.maxLineBytes,
};
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

interface Target {
  name: string;
  /** Seed offset, so each target has its own stream and can be re-run alone. */
  offset: number;
  count: number;
  run(rng: Rng, i: number): { input: () => string; check: () => string };
}

const targets: Target[] = [
  {
    name: 'frames',
    offset: 0,
    count: COUNT,
    run(rng) {
      const line = fuzzFrameText(rng, { maxLineBytes: DEFAULT_LIMITS.maxLineBytes });
      return {
        input: () => JSON.stringify(line),
        check: () => {
          const outcome = checkDecode(line, LIMITS);
          return 'frame' in outcome ? `frame:${outcome.frame.type}` : `error:${outcome.code}`;
        },
      };
    },
  },
  {
    name: 'lines',
    offset: 1,
    count: Math.max(1, Math.floor(COUNT / 10)), // each is a stream of several lines
    run(rng) {
      const limit = rng.pick([1, 2, 16, 64, 300, DEFAULT_LIMITS.maxLineBytes]);
      const stream = fuzzStream(rng, limit);
      return {
        input: () => `limit ${limit}, ${JSON.stringify(Buffer.from(stream).toString('latin1'))}`,
        check: () => `events:${Math.min(checkLineDecoder(rng, stream, limit).length, 5)}`,
      };
    },
  },
  {
    name: 'text',
    offset: 2,
    count: COUNT,
    run(rng) {
      const line = fuzzTextLine(rng);
      return {
        input: () => JSON.stringify(line),
        check: () => {
          const input = checkTextInput(line);
          return input.kind === 'frame' ? `frame:${input.frame.type}` : input.kind;
        },
      };
    },
  },
  {
    name: 'unicode',
    offset: 10,
    count: COUNT,
    run(rng) {
      const raw = fuzzUnicodeText(rng);
      return {
        input: () => JSON.stringify(raw),
        check: () => (checkSanitized(raw) === raw ? 'unchanged' : 'changed'),
      };
    },
  },
  {
    name: 'names',
    offset: 11,
    count: COUNT,
    run(rng) {
      const { original, disguised } = fuzzLookalikeName(rng);
      return {
        input: () => JSON.stringify([original, disguised]),
        check: () => checkLookalikeName(original, disguised),
      };
    },
  },
  {
    name: 'rooms',
    offset: 12,
    count: COUNT,
    run(rng) {
      const { original, candidate, disguise } = fuzzRoomName(rng);
      return {
        input: () => JSON.stringify([original, candidate]),
        check: () => checkRoom(original, candidate, disguise),
      };
    },
  },
];

console.log(`natter fuzz: seed ${SEED}, count ${COUNT}, target ${TARGET}`);
const rssBefore = process.memoryUsage.rss();
console.log(`rss before: ${mib(rssBefore)}`);
let failed = false;
for (const target of targets) {
  if (TARGET !== 'all' && TARGET !== target.name) continue;
  const rng = new Rng(SEED + target.offset);
  const outcomes = new Map<string, number>();
  const started = performance.now();
  for (let i = 0; i < target.count; i++) {
    const { input, check } = target.run(rng, i);
    try {
      const outcome = check();
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    } catch (error) {
      console.error(`FAIL ${target.name} #${i} (seed ${SEED}): ${(error as Error).message}`);
      console.error(`input: ${input().slice(0, 2000)}`);
      failed = true;
      break;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const summary = [...outcomes]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  console.log(
    `${target.name}: ${target.count} inputs in ${seconds.toFixed(1)} s ` +
      `(${Math.round(target.count / seconds)}/s)\n  ${summary}`,
  );
}
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const rssAfter = process.memoryUsage.rss();
console.log(
  `rss after: ${mib(rssAfter)} (${gc ? 'after gc' : 'run with --expose-gc for a collected figure'})`,
);
console.log(failed ? `FAILED (reproduce: node bench/fuzz.ts --seed ${SEED})` : 'ok');
process.exitCode = failed ? 1 : 0;
