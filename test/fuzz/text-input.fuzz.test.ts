/**
 * Fuzz: text-mode input. parseTextInput never throws, refuses only with
 * bad_arguments or unknown_command, and every frame it makes is one the
 * server can act on (names and rooms are single words, limits are numbers,
 * ids are taken only for frames that get acknowledged).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTextInput, fuzzTextLine, Rng } from './generators.ts';

const SEED = Number(process.env.NATTER_FUZZ_SEED ?? 0x5eed);
const COUNT = 20_000;

test(`parseTextInput: ${COUNT} fuzzed lines (seed ${SEED})`, () => {
  const rng = new Rng(SEED + 2);
  const kinds = new Map<string, number>();
  for (let i = 0; i < COUNT; i++) {
    const line = fuzzTextLine(rng);
    let key: string;
    try {
      const input = checkTextInput(line);
      key =
        input.kind === 'frame'
          ? `frame:${input.frame.type}`
          : input.kind === 'error'
            ? `error:${input.error.code}`
            : input.kind;
    } catch (error) {
      assert.fail(
        `seed ${SEED + 2}, input ${i}: ${(error as Error).message}\n${JSON.stringify(line)}`,
      );
    }
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  for (const key of [
    'none',
    'help',
    'error:bad_arguments',
    'error:unknown_command',
    'frame:say',
    'frame:me',
    'frame:msg',
    'frame:nick',
    'frame:join',
    'frame:leave',
    'frame:who',
    'frame:rooms',
    'frame:topic',
    'frame:history',
    'frame:quit',
  ]) {
    assert.ok((kinds.get(key) ?? 0) > 10, `${key} reached: ${JSON.stringify([...kinds])}`);
  }
});

test('parseTextInput: hand-picked lines', () => {
  for (const line of [
    '',
    '/',
    '//',
    '///',
    '/ ',
    '/\u00a0help',
    '/msg',
    '/msg alice',
    '/msg alice\u2003hi',
    '/msg\talice\thi',
    '/history 10000000',
    '/history ٣',
    '/history １２',
    '/history -1',
    '/nick a b',
    '/join \u2028#room',
    '/topic \u3000',
    '/quit \v',
    '/' + 'x'.repeat(10_000),
    '/me \0',
    '\r',
  ]) {
    try {
      checkTextInput(line);
    } catch (error) {
      assert.fail(`${JSON.stringify(line).slice(0, 80)}: ${(error as Error).message}`);
    }
  }
});
