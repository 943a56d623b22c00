/**
 * The first bytes of a connection without ALPN: an IRC client's opening
 * (`CAP`, `PASS`, `NICK` or `USER`, perhaps after message tags), or not.
 * Pure: bytes in, a verdict out (server/irc-detect.ts waits for it).
 */

/** Bytes enough to decide: a command word after at most a full tags section. */
const MAX_INSPECT_BYTES = 8192 + 16;
const OPENING = /^(?:CAP|PASS|NICK|USER) /u;
const OPENING_PREFIXES = ['CAP ', 'PASS ', 'NICK ', 'USER '];

/**
 * true: an IRC opening; false: not one; null: too few bytes to tell yet.
 * Commands are matched in upper case, as every IRC client sends them.
 */
export function classifyOpening(bytes: Uint8Array): boolean | null {
  let text = new TextDecoder('latin1').decode(bytes.subarray(0, MAX_INSPECT_BYTES));
  const newline = text.indexOf('\n');
  const complete = newline !== -1 || bytes.length >= MAX_INSPECT_BYTES;
  if (newline !== -1) text = text.slice(0, newline + 1);
  if (text.startsWith('@')) {
    const space = text.indexOf(' ');
    if (space === -1) return complete ? false : null;
    text = text.slice(space + 1).replace(/^ +/u, '');
  }
  if (OPENING.test(text)) return true;
  const couldBe = OPENING_PREFIXES.some((p) => p.startsWith(text));
  return couldBe && !complete ? null : false;
}
