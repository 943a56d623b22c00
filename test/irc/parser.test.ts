/**
 * The pure IRC parts: line parsing and formatting, tag escaping, the size
 * limits, formatting codes, CTCP, and the opening that tells IRC from text
 * mode — fed byte at a time and in one chunk, as the wire delivers them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LineDecoder } from '../../src/protocol/line-decoder.ts';
import {
  escapeTagValue,
  formatIrcLine,
  IRC_LINE_MAX_BYTES,
  parseIrcLine,
  splitUtf8,
  unescapeTagValue,
  utf8Bytes,
  type IrcMessage,
} from '../../src/protocol/irc-message.ts';
import { parseCtcp, stripIrcFormatting } from '../../src/protocol/irc-format.ts';
import { refusalNumeric } from '../../src/protocol/irc-numerics.ts';
import { classifyOpening } from '../../src/protocol/irc-opening.ts';
import { maskTarget } from '../../src/server/irc-mode.ts';

function parse(line: string): IrcMessage {
  const result = parseIrcLine(line);
  if (!result.ok) throw new Error(`refused: ${result.error.message}`);
  return result.message;
}

/** Decodes a byte stream into parsed messages, `step` bytes at a time. */
function feed(bytes: Buffer, step: number): IrcMessage[] {
  const decoder = new LineDecoder(IRC_LINE_MAX_BYTES);
  const out: IrcMessage[] = [];
  for (let i = 0; i < bytes.length; i += step) {
    for (const event of decoder.push(bytes.subarray(i, i + step))) {
      if ('line' in event) out.push(parse(event.line));
      else throw event.error;
    }
  }
  return out;
}

describe('IRC line parser', () => {
  test('command, middle and trailing parameters, source and tags', () => {
    const m = parse(
      '@time=2026-01-01T00:00:00.000Z;+draft/reply=12;flag :nick!u@h PRIVMSG #room :hello there: you',
    );
    assert.equal(m.command, 'PRIVMSG');
    assert.equal(m.source, 'nick!u@h');
    assert.deepEqual(m.params, ['#room', 'hello there: you']);
    assert.equal(m.tags.get('time'), '2026-01-01T00:00:00.000Z');
    assert.equal(m.tags.get('+draft/reply'), '12');
    assert.equal(m.tags.get('flag'), '');
  });

  test('commands are case-insensitive; repeated spaces separate; a lone trailing colon is an empty parameter', () => {
    assert.deepEqual(parse('privmsg   #a   :'), {
      tags: new Map(),
      command: 'PRIVMSG',
      params: ['#a', ''],
    });
    assert.deepEqual(parse('NICK alice').params, ['alice']);
    assert.deepEqual(parse('CAP REQ :sasl server-time').params, ['REQ', 'sasl server-time']);
  });

  test('the fifteenth parameter takes the rest of the line', () => {
    const words = Array.from({ length: 17 }, (_, i) => `p${i}`);
    const m = parse(`CMD ${words.join(' ')}`);
    assert.equal(m.params.length, 15);
    assert.equal(m.params[14], 'p14 p15 p16');
  });

  test('malformed lines are refused with a code, never thrown', () => {
    for (const [line, code] of [
      ['@tags-only', 'bad_frame'],
      [':source-only', 'bad_frame'],
      ['@b@d=1 PING', 'bad_frame'],
      ['PRIV-MSG x', 'unknown_command'],
      ['12 x', 'unknown_command'],
    ] as const) {
      const result = parseIrcLine(line);
      assert.equal(result.ok, false, line);
      if (!result.ok) assert.equal(result.error.code, code, line);
    }
  });

  test('512 bytes of message and 8191 of tags are the limits', () => {
    const body = `PRIVMSG #a :${'x'.repeat(510 - 'PRIVMSG #a :'.length)}`;
    assert.equal(utf8Bytes(body), 510);
    assert.equal(parseIrcLine(body).ok, true);
    const over = parseIrcLine(body + 'y');
    assert.equal(over.ok, false);
    if (!over.ok) assert.equal(over.error.code, 'too_long');
    const tags = `@a=${'v'.repeat(8191 - 4)} `;
    assert.equal(utf8Bytes(tags), 8191);
    assert.equal(parseIrcLine(tags + 'PING x').ok, true);
    const tooManyTags = parseIrcLine(`@a=${'v'.repeat(8191 - 3)} PING x`);
    assert.equal(tooManyTags.ok, false);
    if (!tooManyTags.ok) assert.equal(tooManyTags.error.code, 'too_long');
    // Multi-byte characters count as their UTF-8 bytes.
    assert.equal(parseIrcLine(`PRIVMSG #a :${'é'.repeat(250)}`).ok, false);
  });

  test('byte at a time and in one chunk give the same messages, CRLF or LF', () => {
    const wire = Buffer.from(
      '@label=1;msg=a\\sb\\:c\\\\ :x!y@z PRIVMSG #ünï :héllo 🙂 there\r\nPING :tok\nCAP LS 302\r\n',
    );
    const whole = feed(wire, wire.length);
    assert.equal(whole.length, 3);
    assert.deepEqual(feed(wire, 1), whole);
    assert.deepEqual(feed(wire, 7), whole);
    assert.equal(whole[0]!.tags.get('msg'), 'a b;c\\');
    assert.deepEqual(whole[0]!.params, ['#ünï', 'héllo 🙂 there']);
  });

  test('tag values round-trip through escaping', () => {
    for (const value of ['', 'plain', 'a b;c\\d\r\ne', '\\\\;;  ']) {
      assert.equal(unescapeTagValue(escapeTagValue(value)), value);
    }
    assert.equal(unescapeTagValue('trailing\\'), 'trailing');
    assert.equal(unescapeTagValue('\\q'), 'q');
  });

  test('formatted lines parse back to what was formatted', () => {
    const line = formatIrcLine('srv', 'PRIVMSG', ['#a', ':starts with colon'], [['time', 'x y']]);
    assert.equal(line, '@time=x\\sy :srv PRIVMSG #a ::starts with colon');
    const back = parse(line);
    assert.deepEqual(back.params, ['#a', ':starts with colon']);
    assert.equal(formatIrcLine(undefined, 'PING', ['tok']), 'PING :tok');
    assert.equal(formatIrcLine('s', 'JOIN', ['#a']), ':s JOIN #a');
    assert.equal(formatIrcLine('s', '366', ['me', '#a', '']), ':s 366 me #a :');
  });

  test('long text splits within the byte budget, at spaces, never inside a character', () => {
    const text = `${'word '.repeat(200)}${'🙂'.repeat(100)}`;
    const pieces = splitUtf8(text, 100);
    for (const piece of pieces) assert.ok(utf8Bytes(piece) <= 100, piece);
    assert.equal(pieces.join(' ').replace(/\s+/gu, ''), text.replace(/\s+/gu, ''));
    assert.ok(!pieces.some((p) => p.includes('\ufffd')));
    assert.deepEqual(splitUtf8('short', 100), ['short']);
  });
});

describe('IRC text conventions', () => {
  test('formatting codes are stripped, colour numbers with them', () => {
    assert.equal(
      stripIrcFormatting('\x02bold\x02 \x1ditalic\x1d \x1funder\x1f'),
      'bold italic under',
    );
    assert.equal(
      stripIrcFormatting('\x0304,12red on blue\x03 \x033green\x0f done'),
      'red on blue green done',
    );
    assert.equal(
      stripIrcFormatting('\x04ff0000hex\x04 \x16rev\x11mono\x1estrike'),
      'hex revmonostrike',
    );
    assert.equal(stripIrcFormatting('3,4 stays'), '3,4 stays');
  });

  test('CTCP ACTION and other CTCP requests are told apart', () => {
    assert.deepEqual(parseCtcp('\x01ACTION waves\x01'), { kind: 'action', text: 'waves' });
    assert.deepEqual(parseCtcp('\x01ACTION waves'), { kind: 'action', text: 'waves' });
    assert.deepEqual(parseCtcp('\x01VERSION\x01'), { kind: 'ctcp', command: 'VERSION', text: '' });
    assert.deepEqual(parseCtcp('plain'), { kind: 'text', text: 'plain' });
  });

  test('every refusal that has an IRC numeric gets it', () => {
    const cases: [Parameters<typeof refusalNumeric>[0], string, string, string][] = [
      ['name_taken', 'NICK', 'alice', '433'],
      ['name_invalid', 'NICK', 'a b', '432'],
      ['name_reserved', 'NICK', 'admin', '432'],
      ['no_such_user', 'PRIVMSG', 'nobody', '401'],
      ['no_such_user', 'KICK', '#a', '441'],
      ['no_such_room', 'NAMES', '#nope', '403'],
      ['not_in_room', 'PRIVMSG', '#a', '404'],
      ['muted', 'PRIVMSG', '#a', '404'],
      ['not_in_room', 'PART', '#a', '442'],
      ['banned', 'JOIN', '#a', '474'],
      ['banned', 'login', 'x', '465'],
      ['room_invalid', 'JOIN', '#a!', '476'],
      ['too_many_rooms', 'JOIN', '#a', '405'],
      ['unauthorized', 'KICK', '#a', '482'],
      ['unauthorized', 'login', 'x', '464'],
      ['bad_arguments', 'KICK', '#a', '461'],
      ['unknown_command', 'FOO', '', '421'],
    ];
    for (const [code, command, target, numeric] of cases) {
      assert.equal(
        refusalNumeric(code, { command, target })?.numeric,
        numeric,
        `${code} ${command}`,
      );
    }
    assert.equal(refusalNumeric('rate_limited', { command: 'PRIVMSG' }), null);
  });

  test('ban masks become natter targets', () => {
    assert.equal(maskTarget('alice!*@*'), 'alice');
    assert.equal(maskTarget('*!*@192.0.2.7'), '192.0.2.7');
    assert.equal(maskTarget('*!*@2001:db8::/64'), '2001:db8::/64');
    assert.equal(maskTarget('bob'), 'bob');
  });
});

describe('telling IRC clients from text-mode users', () => {
  const verdictByteAtATime = (text: string): boolean | null => {
    const bytes = Buffer.from(text);
    let verdict: boolean | null = null;
    for (let i = 1; i <= bytes.length && verdict === null; i++) {
      verdict = classifyOpening(bytes.subarray(0, i));
    }
    return verdict;
  };

  test('CAP, PASS, NICK and USER openings are IRC, with or without tags', () => {
    for (const opening of [
      'CAP LS 302\r\n',
      'NICK alice\r\n',
      'PASS secret\r\n',
      'USER a 0 * :A\r\n',
      '@label=x CAP LS\r\n',
    ]) {
      assert.equal(verdictByteAtATime(opening), true, opening);
      assert.equal(classifyOpening(Buffer.from(opening)), true, opening);
    }
  });

  test('names, messages and commands a person types are text mode', () => {
    for (const opening of [
      'alice\n',
      'nick\n',
      'CAPTAIN\n',
      'hello there\n',
      '/join #x\n',
      'NICKNAME\n',
      '@\n',
    ]) {
      assert.equal(verdictByteAtATime(opening), false, opening);
    }
  });

  test('a prefix of an opening is undecided until more arrives', () => {
    assert.equal(classifyOpening(Buffer.from('CA')), null);
    assert.equal(classifyOpening(Buffer.from('@time=x')), null);
    assert.equal(classifyOpening(Buffer.from('bob')), false);
  });
});
