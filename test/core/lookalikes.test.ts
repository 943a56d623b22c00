/**
 * Issue 11, items 11 and 12: look-alike and reserved user names, and room
 * names that display as another room, judged by Unicode's data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chat } from '../../src/core/chat.ts';
import { checkName, nameKey } from '../../src/core/names.ts';
import { checkRoomName, roomKey } from '../../src/core/rooms.ts';
import { NatterError } from '../../src/protocol/errors.ts';

/** Attack name → the held name it passes for (from the attack run). */
const LOOKALIKES: ReadonlyArray<readonly [attack: string, held: string]> = [
  ['ꓮꓓꓮ', 'ada'], // Lisu
  ['ꓮꓡꓲꓚꓰ', 'alice'], // Lisu
  ['ⲦⲞⲘ', 'tom'], // Coptic
  ['ᗷᗝᗷ', 'bob'], // Canadian syllabics
  ['rnartin', 'martin'],
  ['vvilliam', 'william'],
  ['clave', 'dave'],
  ['eve\u0332', 'eve'], // combining low line
];

const RESERVED_LOOKALIKES = ['ꓮꓓꓟꓲꓠ', 'ꓢꓬꓢꓔꓰꓟ', 'ⲞⲢⲈⲢⲀⲦⲞⲢ', 'admin\u01c3'];

test('every look-alike of the attack run is refused while the real name is held', () => {
  for (const [attack, held] of LOOKALIKES) {
    const chat = new Chat();
    const owner = chat.claimName(held);
    assert.ok(!(owner instanceof NatterError), `${held} logs in`);
    const result = chat.claimName(attack);
    assert.ok(result instanceof NatterError, `${attack} must be refused while ${held} is held`);
    assert.match(result.code, /^name_(taken|invalid)$/u, `${attack}: ${result.message}`);
  }
});

test('the multi-letter tricks meet the name they imitate', () => {
  for (const [attack, held] of [
    ['rnartin', 'martin'],
    ['vvilliam', 'william'],
    ['clave', 'dave'],
    ['ꓮꓓꓮ', 'ada'],
    ['ꓮꓡꓲꓚꓰ', 'alice'],
  ] as const) {
    assert.equal(nameKey(attack), nameKey(held), attack);
  }
  // Found by the fuzzer: a capital sigma ending a word folds to final ς.
  assert.equal(nameKey('ΖΣ'), nameKey('zo'));
  assert.equal(nameKey('ζς'), nameKey('ζσ'));
});

test('scripts outside the recommended set and loose marks are refused with a reason', () => {
  for (const [name, reason] of [
    ['ꓮꓓꓮ', /Lisu script/u],
    ['ⲦⲞⲘ', /Coptic script/u],
    ['ᗷᗝᗷ', /Canadian Aboriginal script/u],
    ['ᎻᎪᎢ', /Cherokee script/u],
    ['eve\u0332', /U\+0332 does not combine/u],
    ['o\u0336scar', /U\+0336 does not combine/u],
  ] as const) {
    const result = checkName(name);
    assert.equal(result.ok, false, name);
    if (!result.ok) assert.match(result.reason, reason);
  }
});

test('reserved names cannot be reached through look-alikes', () => {
  for (const name of RESERVED_LOOKALIKES) {
    const result = checkName(name);
    assert.equal(result.ok, false, `${name} must be refused`);
  }
  const click = checkName('admin\u01c3');
  assert.ok(!click.ok && /'ǃ' \(U\+01C3\) looks like '!'/u.test(click.reason));
  const lisu = checkName('ꓮꓓꓟꓲꓠ');
  assert.ok(!lisu.ok && lisu.code === 'name_invalid');
  assert.equal(nameKey('ꓮꓓꓟꓲꓠ'), nameKey('admin')); // and the key alone would reserve it
  assert.equal(nameKey('ꓢꓬꓢꓔꓰꓟ'), nameKey('system'));
});

test('ordinary names in many scripts are still accepted', () => {
  const names = [
    'martin',
    'william',
    'dave',
    'eve',
    'Zoë',
    'Nguyễn',
    'Łukasz',
    'Ørjan',
    'İlkay',
    'Иван',
    'Ольга',
    'Ελένη',
    'Γιώργος',
    '田中さん',
    '김철수',
    'محمد',
    'مُحَمَّد',
    'דוד',
    'देवनागरी',
    'দেবাশীষ',
    'தமிழ்',
    'ქეთევანი',
    'Արամ',
    'สมชาย',
    'ትግስት',
  ];
  for (const name of names) {
    const result = checkName(name);
    assert.ok(result.ok, `${name}: ${JSON.stringify(result)}`);
  }
});

test('rooms that display as #lobby are #lobby or refused', () => {
  const lobby = roomKey('#lobby');
  for (const hidden of ['\u034f', '\ufe0f', '\u3164', '\u115f', '\u0332', '\u{e0100}']) {
    for (const name of [`#lobby${hidden}`, `#lo${hidden}bby`]) {
      const checked = checkRoomName(name);
      if (checked.ok) assert.equal(checked.key, lobby, JSON.stringify(name));
      else assert.match(checked.reason, /invisible|does not combine/u, JSON.stringify(name));
    }
  }
  const cyrillic = checkRoomName('#l\u043ebby');
  assert.equal(cyrillic.ok, false);
  if (!cyrillic.ok) assert.match(cyrillic.reason, /mix scripts/u);
  assert.equal(roomKey('#\u0406\u041e\u0412\u0412\u0423'), roomKey('#IOBBY')); // whole-script Cyrillic
  assert.equal(roomKey('#ｌｏｂｂｙ'), lobby);
  assert.equal(roomKey('#LOBBY'), lobby);
});

test('joining a look-alike of a room lands in the room itself', () => {
  const chat = new Chat();
  const ann = chat.claimName('ann');
  const ben = chat.claimName('ben');
  assert.ok(!(ann instanceof NatterError) && !(ben instanceof NatterError));
  const first = chat.join(ann, '#dev');
  assert.ok(!(first instanceof NatterError) && first.created);
  const second = chat.join(ben, '#ｄｅｖ');
  assert.ok(!(second instanceof NatterError));
  assert.equal(second.created, false);
  assert.equal(second.room.name, '#dev');
  for (const bad of ['#dev\u034f', '#d\u0435v', '#dev\u{e0041}']) {
    const refused = chat.join(ben, bad);
    assert.ok(refused instanceof NatterError, JSON.stringify(bad));
  }
});
