/**
 * Look-alikes for identity keys (names.ts, rooms.ts), from Unicode's own
 * data rather than a hand-made table: the UTS #39 confusables mapping
 * (confusables.txt: each code point → the "prototype" it is drawn like, e.g.
 * Lisu ꓮ → A, Coptic Ⲧ → T, m → rn), as shipped by the `unhomoglyph`
 * package, pinned to an exact version in package.json (it carries the
 * Unicode 13.0 file; the letters of every script a name may use were encoded
 * by then). The data is read when this module loads: updating it is bumping
 * that pin, there is nothing to regenerate.
 *
 * UTS #39's skeleton is case-sensitive while natter's keys are not, so the
 * mapping is applied to case-folded text, and each folded letter takes the
 * mapping of its capital when it has one: capitals are exact twins in most
 * fonts (Greek Ν = N, Cyrillic В = B) while small letters only resemble
 * (ν ≈ v). So I → l makes i meet l too ("BiII" vs "Bill").
 */
import TR39_CONFUSABLES from 'unhomoglyph/data.json' with { type: 'json' };

/** Case fold: lower, upper, lower (ß → ss, ẞ → ss); no normalisation. */
export function caseFold(s: string): string {
  // toLowerCase writes Σ at the end of a word as final ς: one sigma for keys.
  return s.toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ');
}

/**
 * Letter pairs that read as one letter in common fonts. UTS #39 maps single
 * code points only: it has m → rn, but a "vv" or "cl" typed as two letters
 * is no code point of its own, so the single letter is decomposed into the
 * pair instead, the way m is ("vvilliam" meets "william", "clave" "dave").
 * Cost: names that differ only by such a pair collide ("clara" and "dara").
 */
export const SEQUENCE_LOOKALIKES: ReadonlyArray<readonly [letter: string, looksLike: string]> = [
  ['w', 'vv'],
  ['d', 'cl'],
];

const RAW: Readonly<Record<string, string>> = TR39_CONFUSABLES;
const ASCII = /^[\x00-\x7f]*$/;
const MAX_DEPTH = 6;

/** Folded code point → what it looks like (folded, already resolved through the table). */
export const LOOKALIKE: ReadonlyMap<string, string> = buildLookalikes();

function buildLookalikes(): Map<string, string> {
  const map = new Map<string, string>();
  for (const source of Object.keys(TR39_CONFUSABLES)) {
    // Keys are matched against decomposed text, as UTS #39 does: an entry
    // for a precomposed letter (ö → ة) would never be reached.
    if (source.normalize('NFD') !== source) continue;
    const folded = caseFold(source);
    // A letter that only folds onto another (long ſ → S → s, ı → I → i) has
    // no entry of its own any more: it meets that letter, whatever the table
    // says it is drawn like (ſ → f must not send every s to f).
    if ([...folded].length !== 1 || (source !== folded && source !== folded.toUpperCase()))
      continue;
    const target = resolveFolded(folded, 0);
    if (target !== folded) map.set(folded, target);
  }
  for (const [letter, looksLike] of SEQUENCE_LOOKALIKES) map.set(letter, looksLike);
  return map;
}

/**
 * What a folded letter looks like. Its capital's entry and its own may
 * disagree (Greek Ν = N but ν ≈ v; Cyrillic Г = Greek Γ but г ≈ r): the one
 * that lands on plain Latin letters wins, the capital's first, because names
 * are impersonated in Latin and capitals are exact twins in most fonts.
 */
function resolveFolded(folded: string, depth: number): string {
  const capital = folded.toUpperCase();
  const viaCapital =
    capital !== folded && RAW[capital] !== undefined ? resolveRaw(RAW[capital], depth) : undefined;
  const own = RAW[folded] !== undefined ? resolveRaw(RAW[folded], depth) : undefined;
  if (viaCapital !== undefined && ASCII.test(viaCapital)) return viaCapital;
  if (own !== undefined && ASCII.test(own)) return own;
  return viaCapital ?? own ?? folded;
}

/** A table target (case-sensitive, as UTS #39 writes it), folded and resolved. */
function resolveRaw(target: string, depth: number): string {
  if (depth >= MAX_DEPTH) return caseFold(target);
  let out = '';
  for (const c of target) {
    const folded = caseFold(c);
    if (folded === c || [...folded].length !== 1)
      out += folded === c ? resolveFolded(c, depth + 1) : folded;
    // A capital prototype (Γ) stands for itself: only its own entry applies,
    // not the small letter's (γ ≈ y), which looks like something else.
    else out += RAW[c] !== undefined ? resolveRaw(RAW[c], depth + 1) : folded;
  }
  return out;
}

/**
 * The identity key of a name or room name: two strings with the same key
 * look the same to a reader. UTS #39's skeleton (NFD, map each code point to
 * its prototype, NFD again) made case-insensitive and closed under NFKD, so
 * fullwidth and mathematical letters meet plain ones. Repeated until stable,
 * because a prototype may fold or decompose into something mapped again.
 */
export function identityKey(text: string): string {
  let current = text.normalize('NFD');
  for (let pass = 0; pass < 5; pass++) {
    let next = '';
    for (const c of caseFold(current)) next += LOOKALIKE.get(c) ?? c;
    next = next.normalize('NFKD');
    if (next === current) break;
    current = next;
  }
  return current.normalize('NFC');
}
