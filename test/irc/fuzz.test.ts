/**
 * Fuzzed IRC lines: the pure parser never throws and its output formats
 * back to a parseable line; over TLS, a registered client firing seeded
 * random lines (known commands with hostile parameters, random tags, raw
 * bytes) never crashes the server, never gets a line back that breaks IRC
 * framing or carries terminal controls, and changes nothing for a bystander.
 * A failure prints its seed; NATTER_FUZZ_SEED reruns it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatIrcLine, parseIrcLine, utf8Bytes } from '../../src/protocol/irc-message.ts';
import { IRC_COMMANDS } from '../../src/server/irc-commands.ts';
import { writeRaw } from '../helpers/server.ts';
import { Rng, randomString } from '../fuzz/generators.ts';
import { ircServer, joinChannel } from './helpers.ts';

const SEED = Number(process.env.NATTER_FUZZ_SEED ?? Date.now() % 1_000_000);
const COMMANDS = [...IRC_COMMANDS.keys(), 'CAP', 'FOO', 'PRIVMSG', 'PRIVMSG', 'MODE', 'JOIN'];

function randomLine(rng: Rng): string {
  let line = '';
  if (rng.chance(0.2)) {
    const tags = Array.from({ length: rng.range(1, 4) }, () =>
      rng.chance(0.7)
        ? `+${randomString(rng, 8).replace(/[ ;=\r\n]/gu, '')}=${randomString(rng)}`
        : randomString(rng, 12),
    );
    line += `@${tags.join(';').replace(/[ \r\n]/gu, '_')} `;
  }
  if (rng.chance(0.1)) line += `:${randomString(rng, 10).replace(/[ \r\n]/gu, '')} `;
  line += rng.chance(0.9) ? rng.pick(COMMANDS) : randomString(rng, 8);
  const params = rng.range(0, 5);
  for (let i = 0; i < params; i++) {
    const word = rng.chance(0.3)
      ? rng.pick([
          '#fz',
          '#other',
          'bystander',
          'fuzzer',
          '*',
          '0',
          '+b',
          '-o',
          'msgid=1',
          'LATEST',
        ])
      : randomString(rng, 12);
    line += ` ${word.replace(/[ \r\n]/gu, '')}`;
  }
  if (rng.chance(0.6)) line += ` :${randomString(rng, rng.chance(0.05) ? 700 : 60)}`;
  return line.replace(/[\r\n]/gu, ' ');
}

describe(`IRC fuzz (seed ${SEED})`, () => {
  test('the parser never throws, and what it parses formats back to an equal message', () => {
    const rng = new Rng(SEED);
    for (let i = 0; i < 20_000; i++) {
      const line = rng.chance(0.5) ? randomLine(rng) : randomString(rng, 80);
      const parsed = parseIrcLine(line);
      if (!parsed.ok) {
        assert.ok(['bad_frame', 'too_long', 'unknown_command'].includes(parsed.error.code));
        continue;
      }
      const { message } = parsed;
      // A middle parameter can be empty only as the last (trailing) one.
      if (message.params.slice(0, -1).some((p) => p === '' || p.startsWith(':'))) continue;
      const again = parseIrcLine(
        formatIrcLine(message.source, message.command, message.params, message.tags),
      );
      assert.ok(again.ok, `seed ${SEED}: ${JSON.stringify(line)}`);
      assert.deepEqual(
        again.message.params,
        message.params,
        `seed ${SEED}: ${JSON.stringify(line)}`,
      );
    }
  });

  test('random lines over TLS never crash the server or break what others see', async (t) => {
    const h = await ircServer(t, {
      limits: { floodBurst: 100_000, floodPerSecond: 100_000, floodStrikes: 100_000 },
    });
    const bystander = await h.irc('bystander', { caps: ['server-time', 'message-tags'] });
    await joinChannel(bystander, '#fz');
    const fuzzer = await h.irc('fuzzer', {
      caps: ['server-time', 'message-tags', 'batch', 'echo-message'],
    });
    await joinChannel(fuzzer, '#fz');
    const rng = new Rng(SEED);
    for (let i = 0; i < 1500; i++) {
      if (rng.chance(0.02)) {
        const bytes = Buffer.alloc(rng.range(1, 40));
        for (let j = 0; j < bytes.length; j++) bytes[j] = rng.int(256);
        await writeRaw(fuzzer, Buffer.concat([bytes, Buffer.from('\r\n')]));
      } else {
        const line = randomLine(rng);
        if (/^(?:@\S+ )?(?::\S+ )?QUIT\b/iu.test(line)) continue; // the fuzzer stays
        await writeRaw(fuzzer, line + '\r\n');
      }
    }
    fuzzer.send('PING :fuzz-done');
    await fuzzer.waitForLine(/PONG test :fuzz-done$/u).catch((error: Error) => {
      // The fuzzer may have renamed itself, been refused, or closed for a fatal line; the server must live on.
      if (!fuzzer.closed) throw new Error(`seed ${SEED}: ${error.message}`);
    });
    for (const line of [...fuzzer.lines, ...bystander.lines]) {
      const parsed = parseIrcLine(line);
      assert.ok(
        parsed.ok || parsed.error.code === 'too_long',
        `seed ${SEED}: unparseable reply ${JSON.stringify(line)}`,
      );
      const body = line.replace(/^@\S+ /u, '');
      assert.ok(utf8Bytes(body) <= 510, `seed ${SEED}: reply over 512 bytes: ${line.slice(0, 80)}`);
      // Only CTCP's \x01 may appear; never ESC, BEL or other controls.
      assert.doesNotMatch(
        line,
        /[\x00\x02-\x08\x0b-\x1f\x7f\u0080-\u009f]/u,
        `seed ${SEED}: ${JSON.stringify(line)}`,
      );
    }
    // The bystander is untouched and the server still serves newcomers.
    bystander.send('PING :still-here');
    await bystander.waitForLine(/PONG test :still-here$/u);
    const late = await h.irc('latecomer');
    await joinChannel(late, '#fz');
    late.send('PRIVMSG #fz :after the storm');
    await bystander.waitForLine(/:latecomer!latecomer@natter PRIVMSG #fz :after the storm$/u);
  });
});
