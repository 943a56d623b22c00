/**
 * Curated look-alike table for name identity keys (see names.ts, nameKey).
 *
 * Why curated rather than the full UTS #39 confusables.txt: that file has
 * ~6000 entries, most of them for symbols a name can never contain (names
 * allow only letters, marks, digits and `_-.`), and it is case-sensitive
 * while our keys are case-insensitive. This table covers the letters that
 * matter for impersonation between scripts a name may use on its own.
 *
 * How it is applied: names.ts first applies NFKC and case folding, then
 * decomposes (NFD) and maps each code point through this table. So:
 * - entries may be written in either case; the loader folds the source, which
 *   is why upper-case Cherokee (folding to its lower-case block) works;
 * - accented forms need no entries: ё decomposes to е + U+0308 and meets
 *   Latin ë, while ï stays distinct from i because the diaeresis survives;
 * - fullwidth and mathematical letters need no entries: NFKC already turns
 *   them into ordinary Latin/Greek letters;
 * - targets may chain (ı → i, i → l); the loader resolves chains, so each
 *   target here can be written as the letter it most resembles.
 *
 * Case folding forces one choice per letter: when a letter's capital and
 * small forms resemble different Latin letters (Greek Ν/ν look like N/v),
 * the capital wins, because capitals are exact twins in most fonts while
 * small-letter resemblances are approximate.
 */
export const CONFUSABLE_PAIRS: ReadonlyArray<readonly [codePoint: number, looksLike: string]> = [
  // Digits that pass for letters: "b0b" must not impersonate "bob", nor
  // "a1ice" "alice" (1 reads as l in most fonts).
  [0x0030, 'o'], // 0
  [0x0031, 'l'], // 1

  // Capital I and small l are the same vertical stroke in sans-serif fonts
  // ("BiII" vs "Bill"). Case folding has already merged I with i, so i must
  // meet l or that classic impersonation passes. Cost: names that differ only
  // by i/l collide ("ali" and "all"), an acceptable false positive.
  [0x0069, 'l'], // i

  // Latin letters outside ASCII drawn like ASCII letters.
  [0x0131, 'i'], // ı dotless i (case folding already sends it to i via I)
  [0x0269, 'i'], // ɩ Latin iota
  [0x0237, 'j'], // ȷ dotless j
  [0x0251, 'a'], // ɑ Latin alpha
  [0x0261, 'g'], // ɡ script g
  [0x0263, 'y'], // ɣ Latin gamma
  [0x01c0, 'l'], // ǀ dental click
  [0x01dd, 'ə'], // ǝ turned e, drawn exactly like the schwa ə

  // Latin small capitals look like the capitals, which fold to small letters.
  [0x1d00, 'a'], // ᴀ
  [0x0299, 'b'], // ʙ
  [0x1d04, 'c'], // ᴄ
  [0x1d05, 'd'], // ᴅ
  [0x1d07, 'e'], // ᴇ
  [0x0262, 'g'], // ɢ
  [0x029c, 'h'], // ʜ
  [0x026a, 'i'], // ɪ
  [0x1d0a, 'j'], // ᴊ
  [0x1d0b, 'k'], // ᴋ
  [0x029f, 'l'], // ʟ
  [0x1d0d, 'm'], // ᴍ
  [0x0274, 'n'], // ɴ
  [0x1d0f, 'o'], // ᴏ
  [0x1d18, 'p'], // ᴘ
  [0x0280, 'r'], // ʀ
  [0xa731, 's'], // ꜱ
  [0x1d1b, 't'], // ᴛ
  [0x1d1c, 'u'], // ᴜ
  [0x1d20, 'v'], // ᴠ
  [0x1d21, 'w'], // ᴡ
  [0x028f, 'y'], // ʏ
  [0x1d22, 'z'], // ᴢ

  // Cyrillic: a whole-Cyrillic name can spell many Latin words ("асе" = "ace").
  [0x0430, 'a'], // а
  [0x0432, 'b'], // в (capital В = B)
  [0x0433, 'r'], // г
  [0x0435, 'e'], // е
  [0x0456, 'i'], // і Ukrainian i (ї decomposes to і + diaeresis)
  [0x0458, 'j'], // ј
  [0x043a, 'k'], // к (capital К = K)
  [0x043c, 'm'], // м (capital М = M)
  [0x043d, 'h'], // н (capital Н = H)
  [0x043e, 'o'], // о
  [0x0440, 'p'], // р
  [0x0441, 'c'], // с
  [0x0442, 't'], // т (capital Т = T)
  [0x0443, 'y'], // у
  [0x0445, 'x'], // х
  [0x0455, 's'], // ѕ
  [0x044c, 'b'], // ь (capital Ь ≈ b)
  [0x0461, 'w'], // ѡ
  [0x0475, 'v'], // ѵ izhitsa
  [0x04af, 'y'], // ү straight u
  [0x04bb, 'h'], // һ shha
  [0x04bd, 'e'], // ҽ Abkhasian che
  [0x04cf, 'l'], // ӏ palochka (capital Ӏ folds to it)
  [0x04d9, 'ə'], // ә schwa, same shape as Latin ə
  [0x0501, 'd'], // ԁ Komi de
  [0x051b, 'q'], // ԛ
  [0x051d, 'w'], // ԝ

  // Greek: capitals ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ are Latin capitals in every font.
  [0x03b1, 'a'], // α
  [0x03b2, 'b'], // β (capital Β = B)
  [0x03b3, 'y'], // γ
  [0x03b5, 'e'], // ε (capital Ε = E)
  [0x03b6, 'z'], // ζ (capital Ζ = Z)
  [0x03b7, 'h'], // η (capital Η = H)
  [0x03b9, 'i'], // ι (capital Ι = I)
  [0x03ba, 'k'], // κ
  [0x03bc, 'm'], // μ (capital Μ = M)
  [0x03bd, 'n'], // ν (capital Ν = N wins over small ν ≈ v)
  [0x03bf, 'o'], // ο omicron
  [0x03c1, 'p'], // ρ
  [0x03c3, 'o'], // σ (σ ≈ o; ς folds to σ)
  [0x03c4, 't'], // τ (capital Τ = T)
  [0x03c5, 'y'], // υ (capital Υ = Y wins over small υ ≈ u)
  [0x03c7, 'x'], // χ
  [0x03c9, 'w'], // ω
  [0x03dd, 'f'], // ϝ digamma (capital Ϝ = F)
  [0x03f3, 'j'], // ϳ yot

  // Armenian: several small letters are Latin small letters in most fonts.
  [0x0561, 'w'], // ա
  [0x0563, 'q'], // գ
  [0x0566, 'q'], // զ
  [0x0570, 'h'], // հ
  [0x0578, 'n'], // ո
  [0x057c, 'n'], // ռ
  [0x057d, 'u'], // ս (capital Ս = U)
  [0x057f, 's'], // տ (capital Տ = S)
  [0x0581, 'g'], // ց
  [0x0584, 'f'], // ք
  [0x0585, 'o'], // օ (capital Օ = O)

  // Cherokee capitals are drawn like Latin capitals; written here as capitals
  // (the loader folds them to the Cherokee small-letter block).
  [0x13a0, 'd'], // Ꭰ
  [0x13a1, 'r'], // Ꭱ
  [0x13a2, 't'], // Ꭲ
  [0x13a5, 'i'], // Ꭵ
  [0x13a9, 'y'], // Ꭹ
  [0x13aa, 'a'], // Ꭺ
  [0x13ab, 'j'], // Ꭻ
  [0x13ac, 'e'], // Ꭼ
  [0x13b3, 'w'], // Ꮃ
  [0x13b7, 'm'], // Ꮇ
  [0x13bb, 'h'], // Ꮋ
  [0x13bd, 'y'], // Ꮍ
  [0x13c0, 'g'], // Ꮐ
  [0x13c2, 'h'], // Ꮒ
  [0x13c3, 'z'], // Ꮓ
  [0x13cf, 'b'], // Ꮟ
  [0x13d2, 'r'], // Ꮢ
  [0x13d4, 'w'], // Ꮤ
  [0x13d5, 's'], // Ꮥ
  [0x13d9, 'v'], // Ꮩ
  [0x13da, 's'], // Ꮪ
  [0x13de, 'l'], // Ꮮ
  [0x13df, 'c'], // Ꮯ
  [0x13e2, 'p'], // Ꮲ
  [0x13e6, 'k'], // Ꮶ
  [0x13e7, 'd'], // Ꮷ
  [0x13f3, 'g'], // Ᏻ
  [0x13f4, 'b'], // Ᏼ
];

/**
 * Look-alikes that NFKC would hide: these are mapped before normalisation.
 * The lunate sigma Ϲ/ϲ is drawn exactly like C/c, but NFKC turns it into σ,
 * which looks nothing like it; without this step "ϲατ" would not meet "cat".
 */
export const PRE_NFKC_PAIRS: ReadonlyArray<readonly [codePoint: number, looksLike: string]> = [
  [0x03f2, 'c'], // ϲ
  [0x03f9, 'c'], // Ϲ
];
