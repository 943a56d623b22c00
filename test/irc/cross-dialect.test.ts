/**
 * One server, all dialects: lines from an IRC client reach text-mode and
 * native clients with the right sender and room, and theirs reach IRC —
 * room messages, /me as CTCP ACTION, private messages both ways, renames,
 * topics and moderation. IRC formatting never reaches the others.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MessageEvent } from '../../src/protocol/frames.ts';
import { NativeClient } from '../helpers/server.ts';
import { IrcClient, ircServer, joinChannel } from './helpers.ts';

describe('IRC with the other dialects', () => {
  test('room messages and actions cross between IRC, text mode and native clients', async (t) => {
    const h = await ircServer(t);
    const irc = await h.irc('ircuser');
    const text = await h.text('textuser'); // in #lobby
    const native = await h.native('nativeuser'); // in #lobby
    await joinChannel(irc, '#lobby');

    irc.send('PRIVMSG #lobby :\x0304hello\x03 from \x02irc\x02');
    await text.waitForLine(/^\[\d\d:\d\d:\d\d\] #lobby <ircuser> hello from irc$/u);
    const fromIrc = await native.waitFor('message', { from: 'ircuser' });
    assert.equal(fromIrc.text, 'hello from irc');
    assert.equal(fromIrc.room, '#lobby');

    irc.send('PRIVMSG #lobby :\x01ACTION dances\x01');
    await text.waitForLine(/#lobby \* ircuser dances$/u);
    assert.equal((await native.waitFor('message', { kind: 'me' })).text, 'dances');

    text.write('hi from text');
    await irc.waitForLine(/^:textuser!textuser@natter PRIVMSG #lobby :hi from text$/u);
    text.write('/me waves');
    await irc.waitForLine(/^:textuser!textuser@natter PRIVMSG #lobby :\x01ACTION waves\x01$/u);
    native.send({ type: 'say', id: native.newId(), room: '#lobby', text: 'hi from native' });
    await irc.waitForLine(/^:nativeuser!nativeuser@natter PRIVMSG #lobby :hi from native$/u);
    // Hostile bytes from a native client never reach the IRC client.
    native.send({
      type: 'say',
      id: native.newId(),
      room: '#lobby',
      text: 'x\x1b[31mred\x07\x02\x03',
    });
    const cleaned = await irc.waitForLine(/nativeuser.*PRIVMSG #lobby :x/u);
    assert.doesNotMatch(cleaned, /[\x00-\x08\x0b-\x1f\x7f]/u);
  });

  test('private messages both ways between IRC and text mode and native', async (t) => {
    const h = await ircServer(t);
    const irc = await h.irc('ircuser');
    const text = await h.text('textuser');
    const native = await h.native('nativeuser');
    irc.send('PRIVMSG textuser :secret for text');
    await text.waitForLine(/<ircuser → textuser> secret for text$/u);
    text.write('/msg ircuser secret back');
    await irc.waitForLine(/^:textuser!textuser@natter PRIVMSG ircuser :secret back$/u);
    irc.send('PRIVMSG nativeuser :secret for native');
    const got = (await native.waitFor('message', { from: 'ircuser' })) as MessageEvent;
    assert.equal(got.to, 'nativeuser');
    native.send({ type: 'msg', id: native.newId(), to: 'ircuser', text: 'native back' });
    await irc.waitForLine(/^:nativeuser!nativeuser@natter PRIVMSG ircuser :native back$/u);
  });

  test('joins, parts, renames, topics and kicks from other dialects look like IRC', async (t) => {
    const h = await ircServer(t);
    const irc = await h.irc('ircuser');
    await joinChannel(irc, '#lobby');
    const text = await h.text('textuser');
    await irc.waitForLine(/^:textuser!textuser@natter JOIN #lobby$/u);
    // Only operators set topics; a guest's attempt changes nothing for IRC.
    text.write('/topic mine');
    await text.waitForLine(/^! unauthorized: /u);
    await h.server.hub.rooms.setTopic('#lobby', 'tea time');
    irc.send('TOPIC #lobby');
    await irc.waitForLine(/^:test 332 ircuser #lobby :tea time$/u);
    text.write('/nick texter');
    await irc.waitForLine(/^:textuser!textuser@natter NICK texter$/u);
    text.write('/leave');
    await irc.waitForLine(/^:texter!texter@natter PART #lobby$/u);
    irc.send('NAMES #lobby');
    await irc.waitForLine(/ 353 ircuser = #lobby :ircuser$/u);
    const native = await h.native('nativeuser');
    await irc.waitForLine(/^:nativeuser!nativeuser@natter JOIN #lobby$/u);
    native.close();
    await irc.waitForLine(/^:nativeuser!nativeuser@natter QUIT :/u);
  });

  test("one account on IRC and native at once: its rooms follow it, its own lines are not echoed, its other device's are", async (t) => {
    const h = await ircServer(t);
    await h.account('dual', 'dual password 1');
    const phone = h.track(await NativeClient.connect(h.port));
    phone.send({ type: 'hello', version: 1, name: 'dual', password: 'dual password 1' });
    await phone.waitFor('welcome');
    phone.send({ type: 'join', room: '#home' });
    await phone.waitFor('who', { room: '#home' });
    // The IRC session of the same account is brought into the account's rooms.
    const desk = h.track(await IrcClient.register(h.port, 'dual', { pass: 'dual password 1' }));
    await desk.waitForLine(/^:dual!dual@natter JOIN #home$/u);
    const friend = await h.irc('friend');
    await joinChannel(friend, '#home');
    desk.send('PRIVMSG #home :from the desk');
    await friend.waitForLine(/^:dual!dual@natter PRIVMSG #home :from the desk$/u);
    assert.equal((await phone.waitFor('message', { text: 'from the desk' })).from, 'dual');
    phone.send({ type: 'say', id: phone.newId(), room: '#home', text: 'from the phone' });
    await desk.waitForLine(/^:dual!dual@natter PRIVMSG #home :from the phone$/u);
    desk.send('PING :sync');
    await desk.waitForLine(/PONG test :sync$/u);
    assert.ok(!desk.lines.some((l) => l.endsWith('PRIVMSG #home :from the desk')));
  });
});
