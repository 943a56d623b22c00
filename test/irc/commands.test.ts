/**
 * Every IRC command natter speaks, and every refusal numeric, with raw
 * lines over real TLS. Each refusal is checked to change nothing for others.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NativeClient, writeRaw } from '../helpers/server.ts';
import { IrcClient, ircServer, joinChannel } from './helpers.ts';

const NO_FLOOD = { floodBurst: 10_000, floodPerSecond: 10_000 };

describe('IRC commands', () => {
  test('JOIN shows the JOIN, the topic and NAMES; PART and QUIT reach the others', async (t) => {
    const h = await ircServer(t);
    await h.account('alice', 'alice password 1');
    const a = h.track(await IrcClient.register(h.port, 'alice', { pass: 'alice password 1' }));
    const b = await h.irc('bob');
    await joinChannel(a, '#tea'); // alice made #tea: she operates it
    a.send('TOPIC #tea :green, \x02not\x02 black');
    await a.waitForLine(/^:alice!alice@natter TOPIC #tea :green, not black$/u);
    b.send('JOIN #tea');
    await b.waitForLine(/^:bob!bob@natter JOIN #tea$/u);
    await b.waitForLine(/^:test 332 bob #tea :green, not black$/u);
    await b.waitForLine(/^:test 353 bob = #tea :(@alice bob|bob @alice)$/u);
    await b.waitForLine(/^:test 366 bob #tea :End of \/NAMES list$/u);
    await a.waitForLine(/^:bob!bob@natter JOIN #tea$/u);
    b.send('TOPIC #tea :mine now');
    await b.waitForLine(
      /^:test 482 bob #tea :only operators of #tea can set its topic \[unauthorized\]$/u,
    );
    b.send('TOPIC #tea');
    await b.waitForLine(/^:test 332 bob #tea :green, not black$/u);
    b.send('PART #tea');
    await a.waitForLine(/^:bob!bob@natter PART #tea$/u);
    await b.waitForLine(/^:bob!bob@natter PART #tea$/u);
    b.send('JOIN #tea,#coffee');
    await b.waitForCommand('366', / #coffee /u);
    b.send('QUIT :off to bed');
    await b.waitForLine(/^ERROR :Closing link: goodbye$/u);
    await a.waitForLine(/^:bob!bob@natter QUIT :quit: off to bed$/u);
    // One QUIT, though bob left every shared room.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(a.lines.filter((l) => / QUIT /u.test(l)).length, 1);
  });

  test('PRIVMSG and NOTICE to channels and nicks; /me is CTCP ACTION; other CTCP is not relayed', async (t) => {
    const h = await ircServer(t);
    const a = await h.irc('alice');
    const b = await h.irc('bob');
    await joinChannel(a, '#x');
    await joinChannel(b, '#x');
    a.send('PRIVMSG #x :hello room');
    await b.waitForLine(/^:alice!alice@natter PRIVMSG #x :hello room$/u);
    a.send('NOTICE #x :a notice');
    await b.waitForLine(/^:alice!alice@natter PRIVMSG #x :a notice$/u);
    a.send('PRIVMSG #x :\x01ACTION waves\x01');
    await b.waitForLine(/^:alice!alice@natter PRIVMSG #x :\x01ACTION waves\x01$/u);
    a.send('PRIVMSG bob :\x01VERSION\x01');
    a.send('PRIVMSG bob :just you');
    await b.waitForLine(/^:alice!alice@natter PRIVMSG bob :just you$/u);
    assert.ok(!b.lines.some((l) => l.includes('VERSION')));
    b.send('PRIVMSG alice :back at you');
    await a.waitForLine(
      /^:bob!bob@natter PRIVMSG bob :back at you$|^:bob!bob@natter PRIVMSG alice :back at you$/u,
    );
    // Without echo-message, senders do not get their own lines back.
    assert.ok(!a.lines.some((l) => l.startsWith(':alice!alice@natter PRIVMSG')));
  });

  test('refusals: 401 no such nick, 403 no such channel, 404 cannot send, 442 not on channel, 476 bad name, 412 no text, 421, 461', async (t) => {
    const h = await ircServer(t);
    const a = await h.irc('alice');
    const b = await h.irc('bob');
    await joinChannel(b, '#busy');
    a.send('PRIVMSG nobody :hi');
    await a.waitForLine(
      /^:test 401 alice nobody :nobody called nobody is online \[no_such_user\]$/u,
    );
    a.send('PRIVMSG #busy :not a member');
    await a.waitForLine(/^:test 404 alice #busy :.*\[not_in_room\]$/u);
    a.send('NAMES #nowhere');
    await a.waitForLine(
      /^:test 366 alice #nowhere :End of list: there is no room #nowhere \[no_such_room\]$/u,
    );
    a.send('MODE #nowhere');
    await a.waitForLine(/^:test 403 alice #nowhere :/u);
    a.send('PART #busy');
    await a.waitForLine(/^:test 442 alice #busy :.*\[not_in_room\]$/u);
    a.send('JOIN #bad!name');
    await a.waitForLine(/^:test 476 alice #bad!name :.*\[room_invalid\]$/u);
    a.send('JOIN nohash');
    await a.waitForLine(/^:test 476 alice nohash :channel names start with # \[room_invalid\]$/u);
    a.send('PRIVMSG #busy :');
    await a.waitForLine(/^:test 412 alice :No text to send/u);
    a.send('FROB x');
    await a.waitForLine(/^:test 421 alice FROB :Unknown command \[unknown_command\]$/u);
    a.send('KICK #busy');
    await a.waitForLine(/^:test 461 alice KICK :Not enough parameters \[bad_arguments\]$/u);
    a.send('NOTICE nobody :notices are never answered');
    a.send('PING :sync');
    await a.waitForLine(/PONG test :sync$/u);
    assert.ok(
      !a.lines.some(
        (l) =>
          l.includes('notices are never answered') ||
          (/ 401 alice nobody .*\n?/u.test(l) && l.includes('NOTICE')),
      ),
    );
    // Nothing reached bob's channel.
    b.send('PING :b');
    await b.waitForLine(/PONG test :b$/u);
    assert.ok(!b.lines.some((l) => / PRIVMSG /u.test(l)));
  });

  test('NICK renames for everyone; a taken one gets 433', async (t) => {
    const h = await ircServer(t);
    const a = await h.irc('alice');
    const b = await h.irc('bob');
    await joinChannel(a, '#n');
    await joinChannel(b, '#n');
    a.send('NICK bob');
    await a.waitForLine(/^:test 433 alice bob :.*\[name_taken\]$/u);
    a.send('NICK alicia');
    await a.waitForLine(/^:alice!alice@natter NICK alicia$/u);
    await b.waitForLine(/^:alice!alice@natter NICK alicia$/u);
    a.send('PRIVMSG #n :new name');
    await b.waitForLine(/^:alicia!alicia@natter PRIVMSG #n :new name$/u);
  });

  test('WHO, WHOIS, LIST, MOTD, ISON, AWAY with 301/305/306, PING/PONG', async (t) => {
    const h = await ircServer(t);
    const a = await h.irc('alice');
    const b = await h.irc('bob');
    await joinChannel(a, '#w');
    await joinChannel(b, '#w');
    b.send('AWAY :lunch');
    await b.waitForLine(/^:test 306 bob :You have been marked as being away$/u);
    a.send('WHO #w');
    await a.waitForLine(/^:test 352 alice #w alice natter test alice H :0 alice tester$/u);
    await a.waitForLine(/^:test 352 alice #w bob natter test bob G :0 bob tester$/u);
    await a.waitForLine(/^:test 315 alice #w :End of \/WHO list$/u);
    a.send('WHO bob');
    await a.waitForLine(/^:test 352 alice \* bob natter test bob G /u);
    a.send('WHOIS bob');
    await a.waitForLine(/^:test 311 alice bob bob natter \* :bob tester$/u);
    await a.waitForLine(/^:test 319 alice bob :#w$/u);
    await a.waitForLine(/^:test 301 alice bob :lunch$/u);
    await a.waitForLine(/^:test 318 alice bob :End of \/WHOIS list$/u);
    a.send('WHOIS ghost');
    await a.waitForLine(/^:test 401 alice ghost :/u);
    a.send('PRIVMSG bob :are you there');
    await a.waitForLine(/^:test 301 alice bob :lunch$/u);
    b.send('AWAY');
    await b.waitForLine(/^:test 305 bob :You are no longer marked as being away$/u);
    a.send('LIST');
    await a.waitForLine(/^:test 322 alice #w 2 :$/u);
    await a.waitForLine(/^:test 323 alice :End of \/LIST$/u);
    a.send('MOTD');
    await a.waitForCommand('375');
    await a.waitForCommand('376');
    a.send('ISON bob ghost alice');
    await a.waitForLine(/^:test 303 alice :bob alice$/u);
    a.send('PING token123');
    await a.waitForLine(/^:test PONG test :token123$/u);
  });

  test('the server pings a silent IRC client and closes it when it stays silent', async (t) => {
    // Wide margins: the PONG has seconds to arrive even on a loaded machine.
    const h = await ircServer(t, { limits: { idlePingMs: 500, idleCloseMs: 4_000 } });
    const a = await h.irc('sleepy');
    const ping = await a.waitForLine(/^PING /u);
    a.send(`PONG ${ping.slice(5)}`);
    await a.waitForLine(/^PING /u);
    await a.waitForLine(/^ERROR :Closing link: nothing heard for \d+ s \[idle_timeout\]$/u);
    await a.waitForClose();
  });

  test('operators: KICK, MODE +o/-o, +b/-b with masks and the ban list; others get 482 and 474', async (t) => {
    const h = await ircServer(t, { limits: NO_FLOOD });
    await h.account('opal', 'opal password 1');
    await h.account('bob', 'bob password 1');
    const op = h.track(await IrcClient.register(h.port, 'opal', { pass: 'opal password 1' }));
    const b = h.track(await IrcClient.register(h.port, 'bob', { pass: 'bob password 1' }));
    const c = await h.irc('carol');
    await joinChannel(op, '#ops');
    await joinChannel(b, '#ops');
    await joinChannel(c, '#ops');
    op.send('NAMES #ops');
    await op.waitForLine(/^:test 353 opal = #ops :.*@opal/u);
    b.send('KICK #ops carol :no');
    await b.waitForLine(/^:test 482 bob #ops :.*\[unauthorized\]$/u);
    b.send('MODE #ops +b carol!*@*');
    await b.waitForLine(/^:test 482 bob #ops :/u);
    op.send('KICK #ops carol :out you go');
    await c.waitForLine(/^:opal!opal@natter KICK #ops carol :out you go$/u);
    await b.waitForLine(/^:opal!opal@natter KICK #ops carol :out you go$/u);
    op.send('MODE #ops +b carol!*@*');
    await b.waitForLine(/^:opal!opal@natter MODE #ops \+b carol!\*@\*$/u);
    c.send('JOIN #ops');
    await c.waitForLine(/^:test 474 carol #ops :.*\[banned\]$/u);
    op.send('MODE #ops +b');
    await op.waitForLine(/^:test 367 opal #ops carol!\*@\* :opal$/u);
    await op.waitForLine(/^:test 368 opal #ops :End of channel ban list$/u);
    op.send('MODE #ops -b carol!*@*');
    await b.waitForLine(/^:opal!opal@natter MODE #ops -b carol!\*@\*$/u);
    await joinChannel(c, '#ops');
    op.send('MODE #ops +o bob');
    await c.waitForLine(/^:opal!opal@natter MODE #ops \+o bob$/u);
    op.send('MODE #ops -o bob');
    await c.waitForLine(/^:opal!opal@natter MODE #ops -o bob$/u);
    op.send('MODE #ops +z');
    await op.waitForLine(/^:test 472 opal z :is not a mode natter has$/u);
    op.send('MODE #ops');
    await op.waitForLine(/^:test 324 opal #ops :\+nt$/u);
    op.send('MODE opal');
    await op.waitForLine(/^:test 221 opal :\+$/u);
    op.send('MODE bob +i');
    await op.waitForLine(/^:test 502 opal :/u);
  });

  test('a line over 512 bytes gets 417 and the connection lives; over the tag limit too, it is closed', async (t) => {
    const h = await ircServer(t);
    const a = await h.irc('alice');
    a.send(`PRIVMSG #x :${'y'.repeat(600)}`);
    await a.waitForLine(/^:test 417 alice :line longer than 512 bytes \[too_long\]$/u);
    a.send('PING :alive');
    await a.waitForLine(/PONG test :alive$/u);
    await writeRaw(a, `@a=${'v'.repeat(9000)} PING x\r\n`);
    await a.waitForLine(/^ERROR :Closing link: .*\[too_long\]$/u);
    await a.waitForClose();
  });

  test('bad UTF-8 is refused with a notice; the connection lives', async (t) => {
    const h = await ircServer(t);
    const a = await h.irc('alice');
    await writeRaw(a, Buffer.from([0x50, 0x49, 0x4e, 0x47, 0x20, 0xff, 0xfe, 0x0d, 0x0a]));
    await a.waitForLine(/^:test NOTICE alice :line is not valid UTF-8 \[bad_utf8\]$/u);
    a.send('PING :ok');
    await a.waitForLine(/PONG test :ok$/u);
  });

  test('flood: a paste is paced, then refused, then the connection is closed', async (t) => {
    const h = await ircServer(t, {
      limits: { floodBurst: 3, floodPerSecond: 1, floodQueue: 2, floodStrikes: 3 },
    });
    const a = await h.irc('spammer');
    const b = await h.irc('reader');
    await joinChannel(b, '#f'); // creating a room costs more than a message: the reader does it
    await joinChannel(a, '#f');
    for (let i = 0; i < 20; i++) a.send(`PRIVMSG #f :line ${i}`);
    await a.waitForLine(/NOTICE spammer :slow down, next message in \d+ s \[rate_limited\]$/u);
    await a.waitForLine(
      /^ERROR :Closing link: too much, too fast: disconnected \[rate_limited\]$/u,
    );
    // What the bucket let through reached the room, in order; the rest did not.
    await b.waitForLine(/PRIVMSG #f :line 0$/u);
    assert.ok(!b.lines.some((l) => l.endsWith(':line 19')));
    await b.waitForLine(/QUIT/u);
  });

  test('NickServ REGISTER makes the nick an account: 900, and PASS is needed from then on', async (t) => {
    const h = await ircServer(t);
    const a = await h.irc('newbie');
    a.send('PRIVMSG NickServ :REGISTER a good long password');
    await a.waitForLine(
      /^:test 900 newbie newbie!newbie@natter newbie :You are now logged in as newbie$/u,
    );
    a.close();
    const again = await h.ircConnect();
    again.send('NICK newbie');
    again.send('USER n 0 * :N');
    await again.waitForLine(/ 433 \* newbie :.*\[password_required\]$/u);
  });

  test('more refusals: 405 too many channels, 441 not in the channel, 465 banned from the server', async (t) => {
    const h = await ircServer(t, { limits: { maxRoomsPerUser: 1 }, operators: ['boss'] });
    await h.account('boss', 'boss password 1');
    const boss = h.track(await IrcClient.register(h.port, 'boss', { pass: 'boss password 1' }));
    await joinChannel(boss, '#one');
    boss.send('JOIN #two');
    await boss.waitForLine(
      /^:test 405 boss #two :you can be in at most 1 rooms? \[too_many_rooms\]$/u,
    );
    boss.send('KICK #one ghost :bye');
    await boss.waitForLine(/^:test 441 boss #one :.*\[no_such_user\]$/u);
    // A server-wide ban (natter's operators give it from any dialect) keeps an IRC nick out.
    const native = h.track(await NativeClient.connect(h.port));
    native.send({ type: 'hello', version: 1, name: 'boss', password: 'boss password 1' });
    await native.waitFor('welcome');
    native.send({ type: 'ban', target: 'evil' });
    await native.waitFor('moderation', { action: 'ban' });
    const evil = await h.ircConnect();
    evil.send('NICK evil');
    evil.send('USER evil 0 * :E');
    await evil.waitForLine(/^:test 465 \* :.*\[banned\]$/u);
    await evil.waitForLine(/^ERROR :Closing link: /u);
    await evil.waitForClose();
  });
});
