/**
 * Registration over real TLS with raw IRC lines: detection on the natter
 * port, the dedicated --irc-port, CAP negotiation, NICK/USER, refusals
 * (432 look-alikes, 433), PASS and SASL PLAIN against natter accounts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { writeRaw } from '../helpers/server.ts';
import { IrcClient, ircServer } from './helpers.ts';

describe('IRC registration', () => {
  test('an IRC client on the natter port is detected and welcomed with 001-005 and the MOTD', async (t) => {
    const h = await ircServer(t);
    const c = await h.ircConnect();
    c.send('NICK alice');
    c.send('USER alice 0 * :Alice A');
    await c.waitForLine(/^:test 001 alice :Welcome to natter, alice!alice@natter$/u);
    const isupport = await c.waitForCommand('005');
    for (const token of [
      'CASEMAPPING=rfc8265',
      'NICKLEN=32',
      'CHANNELLEN=65',
      'UTF8ONLY',
      'CHANTYPES=#',
      'PREFIX=(o)@',
    ]) {
      assert.ok(
        c.lines.some((l) => l.includes(` ${token} `) || l.includes(` ${token}`)),
        `${token} in ${isupport}`,
      );
    }
    await c.waitForCommand('376');
    // No text-mode greeting ever reached the IRC client, and no auto-join.
    assert.ok(!c.lines.some((l) => l.includes('Choose a username')));
    assert.ok(!c.lines.some((l) => / JOIN /u.test(l)));
  });

  test('text-mode users still get the greeting, after the documented wait, and can type first', async (t) => {
    const h = await ircServer(t);
    const waiting = await h.text('carol');
    assert.ok(waiting.lines.some((l) => l.startsWith('-- natter on test: text mode')));
    // A script that writes its name before the greeting is text mode too.
    const eager = h.track(await IrcClient.connect(h.port));
    eager.write('dave');
    await eager.waitForLine(/^Choose a username:/u);
    await eager.waitForLine(/^-- Welcome, dave!/u);
  });

  test('registration bytes one at a time are still IRC', async (t) => {
    const h = await ircServer(t);
    const c = await h.ircConnect();
    for (const byte of Buffer.from('NICK slow\r\nUSER slow 0 * :S\r\n')) {
      await writeRaw(c, Buffer.from([byte]));
    }
    await c.waitForCommand('001');
  });

  test('--irc-port speaks IRC only, with no detection wait', async (t) => {
    const h = await ircServer(t, { ircPort: 0 });
    assert.ok(h.server.ircPort !== undefined && h.server.ircPort !== h.port);
    const c = h.track(await IrcClient.register(h.server.ircPort!, 'eve'));
    assert.ok(c.lines.some((l) => / 001 eve /u.test(l)));
  });

  test('CAP LS 302 lists values, REQ is all or nothing, LIST shows what was granted', async (t) => {
    const h = await ircServer(t);
    const c = await h.ircConnect();
    c.send('CAP LS 302');
    const ls = await c.waitForCommand('CAP', / LS /u);
    for (const cap of [
      'sasl=PLAIN',
      'server-time',
      'message-tags',
      'echo-message',
      'batch',
      'account-tag',
      'away-notify',
      'multi-prefix',
      'draft/chathistory',
    ]) {
      assert.ok(ls.split(/[ :]/u).includes(cap), `${cap} in ${ls}`);
    }
    c.send('CAP REQ :server-time no-such-cap');
    await c.waitForLine(/^:test CAP \* NAK :server-time no-such-cap$/u);
    c.send('CAP REQ :server-time echo-message');
    await c.waitForLine(/^:test CAP \* ACK :server-time echo-message$/u);
    c.send('CAP REQ :-echo-message');
    await c.waitForCommand('CAP', / ACK :-echo-message/u);
    c.send('CAP LIST');
    await c.waitForLine(/^:test CAP \* LIST :server-time$/u);
    c.send('CAP BOGUS');
    await c.waitForCommand('410');
    // Registration waits for CAP END.
    c.send('NICK capper');
    c.send('USER capper 0 * :C');
    c.send('PING :before-end');
    await c.waitForLine(/PONG test :before-end/u);
    assert.ok(!c.lines.some((l) => / 001 /u.test(l)));
    c.send('CAP END');
    await c.waitForCommand('001');
  });

  test('commands before registration get 451; PASS/USER after it get 462', async (t) => {
    const h = await ircServer(t);
    const c = await h.ircConnect();
    c.send('NICK early');
    c.send('JOIN #x');
    await c.waitForLine(/^:test 451 \* :register first/u);
    c.send('USER early 0 * :E');
    await c.waitForCommand('001');
    c.send('USER again 0 * :E');
    await c.waitForCommand('462');
    c.send('PASS late');
    await c.waitForCommand('462');
  });

  test('a taken nick gets 433 and another nick is tried; look-alikes and IRC-forbidden names get 432', async (t) => {
    const h = await ircServer(t);
    await h.irc('alice');
    const c = await h.ircConnect();
    c.send('NICK alice');
    c.send('USER x 0 * :X');
    await c.waitForLine(/^:test 433 \* alice :.*\[name_taken\]$/u);
    c.send('NICK аlice'); // Cyrillic а: a look-alike of alice
    await c.waitForLine(/ 433 \* аlice | 432 \* аlice /u);
    for (const bad of ['a,b', 'x*y', 'who?', 'a!b', 'a@b', '#chan', 'admin', '[bracket]']) {
      c.send(`NICK ${bad}`);
      await c.waitForLine(
        new RegExp(
          `^:test 432 \\* ${bad.replace(/[[\]*?]/gu, '\\$&')} :.*\\[name_(invalid|reserved)\\]$`,
          'u',
        ),
      );
    }
    c.send('NICK alice2');
    await c.waitForLine(/^:test 001 alice2 /u);
  });

  test("PASS logs in to the nick's account; a registered nick without it gets 433; a wrong one 464", async (t) => {
    const h = await ircServer(t);
    await h.account('owner', 'correct horse battery');
    const guest = await h.ircConnect();
    guest.send('NICK owner');
    guest.send('USER o 0 * :O');
    await guest.waitForLine(/^:test 433 \* owner :owner is registered.*\[password_required\]$/u);
    guest.close();
    const wrong = await h.ircConnect();
    wrong.send('PASS wrong-password');
    wrong.send('NICK owner');
    wrong.send('USER o 0 * :O');
    await wrong.waitForLine(/^:test 464 \* :wrong password for owner \[unauthorized\]$/u);
    await wrong.waitForCommand('ERROR');
    await wrong.waitForClose();
    const right = h.track(
      await IrcClient.register(h.port, 'owner', { pass: 'correct horse battery' }),
    );
    right.send('WHOIS owner');
    await right.waitForLine(/ 330 owner owner owner :is logged in as$/u);
  });

  test('SASL PLAIN logs in to an account (900, 903) under its name; failures get 904, abort 906, other mechanisms 908', async (t) => {
    const h = await ircServer(t);
    await h.account('Sasha', 'sasl password 1');
    const c = await h.ircConnect();
    c.send('CAP LS 302');
    c.send('CAP REQ :sasl');
    await c.waitForCommand('CAP', / ACK :sasl/u);
    c.send('AUTHENTICATE EXTERNAL');
    await c.waitForLine(/ 908 \* PLAIN :are available SASL mechanisms/u);
    await c.waitForCommand('904');
    c.send('AUTHENTICATE PLAIN');
    await c.waitForLine(/^AUTHENTICATE \+$/u);
    c.send('AUTHENTICATE *');
    await c.waitForCommand('906');
    c.send('AUTHENTICATE PLAIN');
    await c.waitForLine(/^AUTHENTICATE \+$/u);
    c.send(`AUTHENTICATE ${Buffer.from('\0sasha\0not it').toString('base64')}`);
    await c.waitForLine(
      / 904 \* :SASL authentication failed: wrong password for Sasha \[unauthorized\]/u,
    );
    c.send('AUTHENTICATE PLAIN');
    await c.waitForLine(/^AUTHENTICATE \+$/u);
    c.send(`AUTHENTICATE ${Buffer.from('sasha\0sasha\0sasl password 1').toString('base64')}`);
    await c.waitForLine(/ 900 \* Sasha!Sasha@natter Sasha :You are now logged in as Sasha/u);
    await c.waitForCommand('903');
    c.send('AUTHENTICATE PLAIN');
    await c.waitForCommand('907');
    // The nick the client asked for gives way to the account's name.
    c.send('NICK whatever');
    c.send('USER s 0 * :S');
    c.send('CAP END');
    await c.waitForLine(/^:test 001 Sasha /u);
  });

  test('SASL payloads longer than the limit get 905; without the sasl capability, 904', async (t) => {
    const h = await ircServer(t);
    const c = await h.ircConnect();
    c.send('CAP LS 302');
    c.send('AUTHENTICATE PLAIN');
    await c.waitForLine(/ 904 \* :SASL authentication failed: request the sasl capability first/u);
    c.send('CAP REQ :sasl');
    c.send('AUTHENTICATE PLAIN');
    await c.waitForLine(/^AUTHENTICATE \+$/u);
    for (let i = 0; i < 6; i++) c.send(`AUTHENTICATE ${'A'.repeat(400)}`);
    await c.waitForCommand('905');
  });

  test('the login timeout closes a connection that never registers, with ERROR', async (t) => {
    const h = await ircServer(t, { limits: { loginTimeoutMs: 1_000 } });
    const c = await h.ircConnect();
    c.send('NICK never');
    await c.waitForLine(/^ERROR :Closing link: no login within 1 s \[login_timeout\]$/u);
    await c.waitForClose();
  });

  test('commands before registration are strikes: a client looping on them is disconnected', async (t) => {
    const h = await ircServer(t, { limits: { floodStrikes: 5 } });
    const c = await h.ircConnect();
    c.send('NICK looper');
    for (let i = 0; i < 20; i++) c.send('JOIN #x');
    await c.waitForLine(
      /^ERROR :Closing link: too much, too fast: disconnected \[rate_limited\]$/u,
    );
    await c.waitForClose();
    assert.ok(c.lines.filter((l) => / 451 /u.test(l)).length <= 5);
  });
});
