/**
 * Fuzz: Unicode input (issue 11). Sanitised text keeps nothing invisible, no
 * pile of marks and no lone surrogate, also once cut or echoed; a name or
 * room disguised with look-alike letters or hidden characters is refused or
 * is the very name it imitates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from './generators.ts';
import {
  checkLookalikeName,
  checkRoom,
  checkSanitized,
  fuzzLookalikeName,
  fuzzRoomName,
  fuzzUnicodeText,
} from './unicode.ts';

const SEED = Number(process.env.NATTER_FUZZ_SEED ?? 0x5eed);
const COUNT = 5_000;

function run(
  name: string,
  offset: number,
  one: (rng: Rng) => { input: string; check: () => string },
) {
  test(`${name}: ${COUNT} fuzzed inputs (seed ${SEED})`, () => {
    const rng = new Rng(SEED + offset);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < COUNT; i++) {
      const { input, check } = one(rng);
      try {
        const outcome = check();
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      } catch (error) {
        assert.fail(`seed ${SEED + offset}, input ${i}: ${(error as Error).message} ${input}`);
      }
    }
    // Both branches are reached, or the fuzzer tests nothing.
    assert.ok(outcomes.size >= 2, JSON.stringify([...outcomes]));
  });
}

run('sanitised text', 10, (rng) => {
  const raw = fuzzUnicodeText(rng);
  return {
    input: JSON.stringify(raw),
    check: () => (checkSanitized(raw) === raw ? 'unchanged' : 'changed'),
  };
});

run('look-alike names', 11, (rng) => {
  const { original, disguised } = fuzzLookalikeName(rng);
  return {
    input: JSON.stringify([original, disguised]),
    check: () => checkLookalikeName(original, disguised),
  };
});

run('room names', 12, (rng) => {
  const { original, candidate, disguise } = fuzzRoomName(rng);
  return {
    input: JSON.stringify([original, candidate]),
    check: () => checkRoom(original, candidate, disguise),
  };
});

test('the hand-picked attacks', () => {
  for (const [original, disguised] of [
    ['ada', 'ꓮꓓꓮ'],
    ['alice', 'ꓮꓡꓲꓚꓰ'],
    ['martin', 'rnartin'],
    ['william', 'vvilliam'],
    ['dave', 'clave'],
    ['eve', 'eve\u0332'],
    ['admin', 'adminǃ'],
  ]) {
    assert.doesNotThrow(() => checkLookalikeName(original!, disguised!), disguised);
  }
  for (const hidden of ['\u034f', '\ufe0f', '\u3164', '\u115f', '\u0332', '\u{e0100}', '\u0430']) {
    assert.doesNotThrow(() => checkRoom('#lobby', `#lo${hidden}bby`, true), hidden);
  }
});
