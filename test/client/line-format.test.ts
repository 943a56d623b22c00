/**
 * What line mode prints: one line per event in the text-mode format, with
 * control characters neutralised even when a server sends them raw.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFrameJson, formatFrameLine } from '../../src/client/line/format.ts';
import { formatClock } from '../../src/core/format.ts';
import type { ServerFrame } from '../../src/protocol/frames.ts';

const TS = Date.UTC(2026, 0, 2, 3, 4, 5);
const CLOCK = formatClock(TS);

test('messages, actions and private messages', () => {
  const base = { type: 'message', msg: 1, ts: TS, from: 'alice', kind: 'say' } as const;
  assert.equal(
    formatFrameLine({ ...base, text: 'hi', room: '#lobby' }),
    `[${CLOCK}] #lobby <alice> hi`,
  );
  assert.equal(
    formatFrameLine({ ...base, kind: 'me', text: 'waves', room: '#lobby' }),
    `[${CLOCK}] #lobby * alice waves`,
  );
  assert.equal(
    formatFrameLine({ ...base, text: 'secret', to: 'bob' }),
    `[${CLOCK}] <alice → bob> secret`,
  );
});

test('errors, notices and events', () => {
  assert.equal(
    formatFrameLine({ type: 'error', code: 'rate_limited', message: 'slow down' }),
    '! rate_limited: slow down',
  );
  assert.equal(
    formatFrameLine({ type: 'notice', text: 'you are now in #dev' }),
    '-- you are now in #dev',
  );
  assert.equal(
    formatFrameLine({ type: 'join', room: '#dev', name: 'bob', ts: TS }),
    `[${CLOCK}] #dev -- bob joined`,
  );
  assert.equal(formatFrameLine({ type: 'ack', id: 'a', msg: 1, ts: TS }), null);
});

test('control characters from a (hostile) server never reach the terminal', () => {
  const hostile: ServerFrame = {
    type: 'message',
    msg: 1,
    ts: TS,
    from: 'ev\u001b]0;pwned\u0007il',
    kind: 'say',
    room: '#lo\u009b2Jbby',
    text: 'a\u001b[2Jb\rc\u202eexe.txt\u0007',
  };
  const line = formatFrameLine(hostile);
  assert.equal(line, `[${CLOCK}] #lobby <evil> ab cexe.txt`);
  const error = formatFrameLine({ type: 'error', code: 'internal', message: 'x\u001b[31my\nz' });
  assert.equal(error, '! internal: xy z');
  const json = formatFrameJson(hostile)!;
  assert.ok(!/[\u0000-\u001f\u007f-\u009f\u202e]/u.test(json), json);
  assert.ok(
    !json.includes('\\u001b') && !json.includes('\\u0007'),
    'escaped controls are removed too',
  );
  assert.equal((JSON.parse(json) as { text: string }).text, 'ab cexe.txt');
});

test('wide and combining characters pass through unchanged, on one line', () => {
  const text = '漢字 e\u0301 👩‍💻 ok';
  const line = formatFrameLine({
    type: 'message',
    msg: 1,
    ts: TS,
    from: 'ünï',
    kind: 'say',
    room: '#lobby',
    text,
  });
  assert.equal(line, `[${CLOCK}] #lobby <ünï> ${text}`);
  assert.ok(!line?.includes('\n'));
});

test('--json drops keep-alive frames and keeps everything else', () => {
  assert.equal(formatFrameJson({ type: 'ping', token: 'x' }), null);
  assert.equal(formatFrameJson({ type: 'pong' }), null);
  assert.deepEqual(JSON.parse(formatFrameJson({ type: 'ack', id: 'a', msg: 3, ts: TS })!), {
    type: 'ack',
    id: 'a',
    msg: 3,
    ts: TS,
  });
});
