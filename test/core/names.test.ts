import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkName, nameKey } from '../../src/core/names.ts';
import type { NameCheck } from '../../src/core/names.ts';
import { LOOKALIKE, SEQUENCE_LOOKALIKES } from '../../src/core/confusables.ts';
import { NAME_MAX_CHARS } from '../../src/protocol/limits.ts';

function accepted(raw: string): { display: string; key: string } {
  const result = checkName(raw);
  assert.ok(result.ok, `expected ${JSON.stringify(raw)} to be accepted: ${JSON.stringify(result)}`);
  return result;
}

/** Asserts a refusal; a string `reason` must appear verbatim in the reason. */
function refused(
  raw: string,
  code: 'name_invalid' | 'name_reserved',
  reason: RegExp | string,
): void {
  const result: NameCheck = checkName(raw);
  assert.equal(result.ok, false, `expected ${JSON.stringify(raw)} to be refused`);
  if (result.ok) return;
  assert.equal(result.code, code, `${JSON.stringify(raw)}: ${result.reason}`);
  if (typeof reason === 'string') assert.ok(result.reason.includes(reason), result.reason);
  else assert.match(result.reason, reason);
}

function codeOf(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

test('accepts names in many scripts and returns them as typed (NFC)', () => {
  const names = [
    'alice',
    'Zoë',
    'Иван', // Cyrillic only
    'Ελένη', // Greek only
    '田中さん', // Han + Hiragana
    '山田タロウ', // Han + Katakana
    'ラーメン', // Katakana with the Common prolonged-sound mark
    '김철수', // Hangul
    '金민수', // Han + Hangul
    '中文ㄅㄆ', // Han + Bopomofo
    'محمد', // Arabic
    'देवनागरी', // Devanagari with combining vowel signs
    '_bot',
    '9lives',
    'a.b-c_d',
    '١٢٣', // Arabic-Indic digits alone
  ];
  for (const name of names) assert.equal(accepted(name).display, name);
});

test('trims ASCII whitespace and normalises to NFC', () => {
  assert.equal(accepted('  e\u0301ric\t\r\n').display, '\u00e9ric');
  assert.equal(accepted('\u00e9ric').key, accepted('e\u0301ric').key);
});

test('length is 1–32 code points', () => {
  assert.equal(NAME_MAX_CHARS, 32);
  refused('', 'name_invalid', /1–32 characters.*empty/);
  refused('   ', 'name_invalid', /1–32 characters.*empty/);
  assert.equal(accepted('a').display, 'a');
  assert.equal(accepted('a'.repeat(32)).display, 'a'.repeat(32));
  refused('a'.repeat(33), 'name_invalid', /1–32 characters; this one has 33/);
  // Astral characters count once, not as two UTF-16 units.
  assert.equal(accepted('\u{20000}'.repeat(32)).display.length, 64);
  refused('\u{20000}'.repeat(33), 'name_invalid', /this one has 33/);
});

test('the key is case-insensitive', () => {
  assert.equal(nameKey('Alice'), nameKey('alice'));
  assert.equal(nameKey('ALICE'), nameKey('alice'));
  assert.equal(accepted('Alice').key, accepted('ALICE').key);
  assert.equal(nameKey('Straße'), nameKey('STRASSE'));
  assert.equal(nameKey('STRAẞE'), nameKey('strasse'));
  assert.equal(nameKey('ΣΟΦΙΑ'), nameKey('σοφια'));
  assert.equal(nameKey('σοφιας'), nameKey('ΣΟΦΙΑΣ')); // final sigma
  assert.notEqual(nameKey('alice'), nameKey('alicia'));
});

test('the key does not change when a name changes case', () => {
  const names = ['Alice', 'Иван', 'Ελένη', 'ᎻᎪᎢ', 'Ꮇꭰ', 'Zoë', 'İstanbul', 'ǝxample'];
  for (const name of names) {
    assert.equal(nameKey(name.toUpperCase()), nameKey(name), name);
    assert.equal(nameKey(name.toLowerCase()), nameKey(name), name);
  }
});

test('whole-script look-alikes share a key', () => {
  assert.equal(accepted('\u0430\u0441\u0435').key, accepted('ace').key); // Cyrillic асе
  assert.equal(accepted('\u0430\u0440\u0435').key, accepted('ape').key); // Cyrillic аре
  assert.equal(accepted('\u03bf').key, accepted('o').key); // Greek omicron
  assert.equal(accepted('\u039d\u039f\u03a4').key, accepted('NOT').key); // Greek ΝΟΤ
  assert.equal(accepted('\u0405\u0415\u0422').key, accepted('set').key); // Cyrillic ЅЕТ
  assert.equal(accepted('\u0585\u057d').key, accepted('ou').key); // Armenian օս
  assert.equal(nameKey('\u13bb\u13aa\u13a2'), accepted('hat').key); // Cherokee ᎻᎪᎢ
  assert.equal(accepted('\u03f2\u03b1\u03c4').key, accepted('cat').key); // Greek ϲατ (lunate sigma)
  assert.equal(accepted('ａｌｉｃｅ').key, accepted('alice').key); // fullwidth
  assert.equal(accepted('𝐚𝐥𝐢𝐜𝐞').key, accepted('alice').key); // mathematical bold
  // Digits and the I/l stroke.
  assert.equal(accepted('b0b').key, accepted('bob').key);
  assert.equal(accepted('a1ice').key, accepted('alice').key);
  assert.equal(accepted('BiII').key, accepted('Bill').key);
  assert.equal(accepted('\u0131').key, accepted('i').key); // dotless ı
  assert.equal(accepted('\u0456').key, accepted('i').key); // Ukrainian і
  // Cyrillic ё decomposes and meets Latin ë.
  assert.equal(accepted('\u0451').key, accepted('\u00eb').key);
});

test('diacritics keep names apart', () => {
  assert.notEqual(nameKey('ï'), nameKey('i'));
  assert.notEqual(nameKey('é'), nameKey('e'));
  assert.notEqual(nameKey('zoë'), nameKey('zoe'));
  assert.notEqual(nameKey('Иван'), nameKey('ivan'));
});

test('the look-alike table is Unicode data, applied case-insensitively', () => {
  assert.ok(LOOKALIKE.size > 4500, `${LOOKALIKE.size} entries`);
  assert.equal(LOOKALIKE.get('\ua4ee'), 'a'); // Lisu ꓮ, straight from confusables.txt
  assert.equal(LOOKALIKE.get('m'), 'rn');
  for (const [letter, looksLike] of SEQUENCE_LOOKALIKES) {
    assert.equal(nameKey(letter), nameKey(looksLike), letter);
    assert.equal(nameKey(letter.toUpperCase()), nameKey(looksLike), letter);
  }
  // Every entry: the source and what it looks like share a key, in either case.
  for (const [source, looksLike] of LOOKALIKE) {
    assert.equal(nameKey(source), nameKey(looksLike), `${source} → ${looksLike}`);
    assert.equal(nameKey(source.toUpperCase()), nameKey(looksLike), `upper ${source}`);
  }
});

test('mixed scripts are refused, naming the scripts', () => {
  refused(
    '\u0430lice',
    'name_invalid',
    /cannot mix scripts \((Cyrillic and Latin|Latin and Cyrillic)\)/,
  );
  refused('\u0391lice', 'name_invalid', /cannot mix scripts .*Greek/);
  refused('\u0418\u03bb', 'name_invalid', /cannot mix scripts .*(Cyrillic.*Greek|Greek.*Cyrillic)/);
  refused('abc١٢', 'name_invalid', /cannot mix scripts .*Arabic/);
  refused('Tanaka田中', 'name_invalid', /cannot mix scripts .*Han/);
  refused('さん김', 'name_invalid', /cannot mix scripts .*Hangul/);
  // Compatibility letters are judged by what they stand for: 𝛂 is Greek α.
  refused('𝛂lice', 'name_invalid', /cannot mix scripts .*Greek/);
  // Digits, '_', '-', '.' and combining marks are shared by every script.
  assert.equal(accepted('Иван_2-й.').display, 'Иван_2-й.');
});

test('characters outside letters, marks, digits and _-. are refused by name', () => {
  refused('a b', 'name_invalid', /cannot contain spaces \(found U\+0020\)/);
  refused('a\u00a0b', 'name_invalid', /spaces \(found U\+00A0\)/);
  refused('a\u3000b', 'name_invalid', /spaces \(found U\+3000\)/);
  for (const c of ['#', '/', '@', ':', '!', '<', '>', '"', "'", '*', '+', '=']) {
    refused(`a${c}b`, 'name_invalid', `'${c}' (${codeOf(c.codePointAt(0) ?? 0)}) is not allowed`);
  }
  refused('hi😀', 'name_invalid', /'😀' \(U\+1F600\) is not allowed/);
  refused('x€', 'name_invalid', /'€' \(U\+20AC\) is not allowed/);
  refused('Ⅻ', 'name_invalid', /not allowed/); // a letter-like number, not a letter
});

test('names must start with a letter, digit or _', () => {
  refused('-x', 'name_invalid', /must start with a letter, a digit or '_', not '-'/);
  refused('.x', 'name_invalid', /must start with .* not '\.'/);
  refused('\u0301x', 'name_invalid', /must start with .* not U\+0301/);
  assert.equal(accepted('_x').display, '_x');
  assert.equal(accepted('x-').display, 'x-');
});

test('invisible, control, format, private-use and unassigned characters are refused', () => {
  const invisible = [
    0x00,
    0x07,
    0x09,
    0x1b,
    0x7f,
    0x85,
    0x9b, // C0, DEL, C1
    0x200b,
    0x200c,
    0x200d,
    0x2060,
    0xfeff,
    0x00ad, // zero-width, BOM, soft hyphen
    0x202a,
    0x202e,
    0x2066,
    0x2069,
    0x200e,
    0x200f,
    0x061c, // bidi
    0x3164,
    0x115f,
    0xfe0f,
    0x034f, // Hangul fillers, variation selector, CGJ
    0xe000,
    0xf8ff,
    0x0378,
    0xfffe,
    0xe0041, // private use, unassigned, noncharacter, tag
    0x2028,
    0x2029, // line and paragraph separators
  ];
  for (const cp of invisible) {
    const raw = `ab${String.fromCodePoint(cp)}c`;
    refused(raw, 'name_invalid', `invisible or control characters (found ${codeOf(cp)})`);
  }
  refused('ab\ud800c', 'name_invalid', /invisible or control characters \(found U\+D800\)/);
  refused('\udc00', 'name_invalid', /invisible or control/);
});

test('reserved names and their look-alikes are refused', () => {
  const reserved = [
    'server',
    'admin',
    'administrator',
    'root',
    'system',
    'sysop',
    'operator',
    'op',
    'mod',
    'moderator',
    'natter',
    'nickserv',
    'chanserv',
    'help',
    'info',
    'everyone',
    'here',
    'channel',
    'staff',
    'support',
    'anonymous',
    'guest',
  ];
  for (const name of reserved)
    refused(name, 'name_reserved', new RegExp(`^'${name}' is reserved$`));
  refused('ADMIN', 'name_reserved', /^'admin' is reserved$/);
  refused('Root', 'name_reserved', /^'root' is reserved$/);
  refused('ａｄｍｉｎ', 'name_reserved', /'ａｄｍｉｎ' looks like 'admin', which is reserved/);
  refused('adm1n', 'name_reserved', /looks like 'admin'/);
  refused('m0d', 'name_reserved', /looks like 'mod'/);
  refused('\u043e\u0440', 'name_reserved', /'ор' looks like 'op'/); // all-Cyrillic ор
  refused('\u0433\u043e\u043e\u0442', 'name_reserved', /looks like 'root'/); // all-Cyrillic гоот
  // A reserved word inside a longer name is fine.
  assert.equal(accepted('admin2').display, 'admin2');
  assert.equal(accepted('helper').display, 'helper');
});

test('nameKey is pure and returns a plain string', () => {
  assert.equal(nameKey('Alice'), nameKey('Alice'));
  assert.equal(typeof nameKey('x'), 'string');
  assert.equal(accepted('Alice').key, nameKey('Alice'));
});
