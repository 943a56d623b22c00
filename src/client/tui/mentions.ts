/**
 * Whether a message names you. A mention is your name as a whole word,
 * ignoring case: "alice: ping", "thanks @Alice!" and "ALICE?" name alice;
 * "malice" and "alice_2" do not. Word characters are those a name may hold
 * (letters and marks of any script, digits, _ - .), so the check works for
 * 名前 as well as for ASCII names. A trailing dot ("thanks alice.") is
 * punctuation, not part of the name.
 */

const NAME_CHAR = /[\p{L}\p{M}\p{Nd}_-]/u;

function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

export function mentions(text: string, name: string): boolean {
  const needle = fold(name);
  if (needle === '') return false;
  const hay = fold(text);
  let from = 0;
  for (;;) {
    const at = hay.indexOf(needle, from);
    if (at === -1) return false;
    const before = hay.slice(0, at);
    const after = hay.slice(at + needle.length);
    const prev = [...before].at(-1) ?? '';
    const next = [...after.slice(0, 2)][0] ?? '';
    const nextIsWordDot = next === '.' && NAME_CHAR.test([...after.slice(1, 3)][0] ?? '');
    if (!NAME_CHAR.test(prev) && prev !== '.' && !NAME_CHAR.test(next) && !nextIsWordDot) {
      return true;
    }
    from = at + 1;
  }
}
