/**
 * IRCv3 over real TLS: server-time, message-tags (msgid), echo-message,
 * batch (history replayed on join), draft/chathistory from natter's
 * history, account-tag, away-notify and multi-prefix.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IrcClient, ircServer, joinChannel } from './helpers.ts';

const ALL = [
  'server-time',
  'message-tags',
  'echo-message',
  'batch',
  'account-tag',
  'away-notify',
  'multi-prefix',
  'draft/chathistory',
];
const TIME = /^@(?:[^ ]*;)?time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/u;

function msgidOf(line: string): number {
  const match = /msgid=(\d+)/u.exec(line);
  if (!match) throw new Error(`no msgid in ${line}`);
  return Number(match[1]);
}

describe('IRCv3', () => {
  test('server-time and msgid tag every message; echo-message returns the sender its own line', async (t) => {
    const h = await ircServer(t);
    const a = await h.irc('alice', { caps: ALL });
    const plain = await h.irc('plain');
    await joinChannel(a, '#v3');
    await joinChannel(plain, '#v3');
    a.send('PRIVMSG #v3 :tagged');
    const echo = await a.waitForLine(/:alice!alice@natter PRIVMSG #v3 :tagged$/u);
    assert.match(echo, TIME);
    assert.ok(msgidOf(echo) > 0);
    // A client without the capabilities gets the same message without tags.
    await plain.waitForLine(/^:alice!alice@natter PRIVMSG #v3 :tagged$/u);
    // Client tags are accepted (and not relayed); TAGMSG is accepted silently.
    a.send('@+draft/reply=1 PRIVMSG #v3 :with a client tag');
    await plain.waitForLine(/^:alice!alice@natter PRIVMSG #v3 :with a client tag$/u);
    a.send('@+typing=active TAGMSG #v3');
    a.send('PING :after-tagmsg');
    await a.waitForLine(/PONG test :after-tagmsg$/u);
  });

  test("account-tag names the sender's account; multi-prefix NAMES and WHO show operators", async (t) => {
    const h = await ircServer(t);
    await h.account('acct', 'acct password 1');
    const owner = h.track(
      await IrcClient.register(h.port, 'acct', { caps: ALL, pass: 'acct password 1' }),
    );
    const watcher = await h.irc('watcher', { caps: ALL });
    await joinChannel(owner, '#mine');
    await joinChannel(watcher, '#mine');
    owner.send('PRIVMSG #mine :signed');
    const line = await watcher.waitForLine(/PRIVMSG #mine :signed$/u);
    assert.match(line, /[@;]account=acct[; ]/u);
    watcher.send('PRIVMSG #mine :guest');
    const guest = await owner.waitForLine(/PRIVMSG #mine :guest$/u);
    assert.doesNotMatch(guest, /account=/u);
    watcher.send('NAMES #mine');
    await watcher.waitForLine(/ 353 watcher = #mine :(@acct watcher|watcher @acct)$/u);
  });

  test('account-notify tells channel peers when a nick becomes an account', async (t) => {
    const h = await ircServer(t);
    const watcher = await h.irc('watcher', { caps: [...ALL, 'account-notify'] });
    const plain = await h.irc('plain');
    const guest = await h.irc('newbie');
    for (const client of [watcher, plain, guest]) await joinChannel(client, '#acct');
    guest.send('PRIVMSG NickServ :REGISTER a good long password');
    await guest.waitForLine(/ 900 newbie /u);
    await watcher.waitForLine(/^(@[^ ]+ )?:newbie!newbie@natter ACCOUNT newbie$/u);
    // Without the capability, nothing: the next line plain sees is the next message.
    guest.send('PRIVMSG #acct :registered now');
    await plain.waitForLine(/PRIVMSG #acct :registered now$/u);
    assert.ok(!plain.lines.some((l) => l.includes(' ACCOUNT ')));
  });

  test('away-notify tells channel peers when someone goes away and comes back', async (t) => {
    const h = await ircServer(t);
    const a = await h.irc('alice', { caps: ALL });
    const b = await h.irc('bob');
    await joinChannel(a, '#away');
    await joinChannel(b, '#away');
    b.send('AWAY :gone fishing');
    await a.waitForLine(/^:bob!bob@natter AWAY :gone fishing$/u);
    b.send('AWAY');
    await a.waitForLine(/^:bob!bob@natter AWAY$/u);
    b.send('AWAY :again');
    await a.waitForLine(/AWAY :again$/u);
    b.send('PART #away');
    b.send('JOIN #away');
    await a.waitForLine(/:bob!bob@natter JOIN #away$/u);
    await a.waitForLine(/^:bob!bob@natter AWAY :again$/u);
  });

  test('history on join arrives in a chathistory batch to clients that can date it, never to those that cannot', async (t) => {
    const h = await ircServer(t);
    const writer = await h.text('writer');
    writer.write('/join #hist');
    await writer.waitForLine(/-- writer joined/u);
    for (const text of ['one', 'two', 'three']) {
      writer.write(text);
      await writer.waitForLine(new RegExp(`<writer> ${text}$`, 'u'));
    }
    const a = await h.irc('alice', { caps: ['server-time', 'batch', 'message-tags'] });
    a.send('JOIN #hist');
    const open = await a.waitForLine(/^:test BATCH \+(\S+) chathistory #hist$/u);
    const ref = open.split(' ')[2]!.slice(1);
    for (const text of ['one', 'two', 'three']) {
      const line = await a.waitForLine(new RegExp(`PRIVMSG #hist :${text}$`, 'u'));
      assert.ok(line.startsWith(`@batch=${ref};time=`), line);
    }
    await a.waitForLine(new RegExp(`^:test BATCH -${ref}$`, 'u'));
    await a.waitForCommand('366');
    const plain = await h.irc('plain');
    await joinChannel(plain, '#hist');
    assert.ok(!plain.lines.some((l) => / PRIVMSG #hist /u.test(l)));
  });

  test("CHATHISTORY LATEST, BEFORE, AFTER and BETWEEN page natter's history by msgid", async (t) => {
    const h = await ircServer(t, {
      limits: { historyOnJoin: 0, floodBurst: 1000, floodPerSecond: 1000 },
    });
    const a = await h.irc('alice', { caps: ALL });
    await joinChannel(a, '#log');
    const ids: number[] = [];
    for (let i = 1; i <= 6; i++) {
      a.send(`PRIVMSG #log :m${i}`);
      ids.push(msgidOf(await a.waitForLine(new RegExp(`PRIVMSG #log :m${i}$`, 'u'))));
    }
    const page = async (command: string): Promise<string[]> => {
      a.send(command);
      const open = await a.waitForLine(/^:test BATCH \+\S+ chathistory #log$/u);
      const ref = open.split(' ')[2]!.slice(1);
      const close = await a.waitForLine(new RegExp(`^:test BATCH -${ref}$`, 'u'));
      const lines = a.lines.slice(a.lines.indexOf(open) + 1, a.lines.indexOf(close));
      return lines.map((l) => /:(m\d)$/u.exec(l)![1]!);
    };
    assert.deepEqual(await page('CHATHISTORY LATEST #log * 3'), ['m4', 'm5', 'm6']);
    assert.deepEqual(await page(`CHATHISTORY BEFORE #log msgid=${ids[3]} 2`), ['m2', 'm3']);
    assert.deepEqual(await page(`CHATHISTORY AFTER #log msgid=${ids[3]} 10`), ['m5', 'm6']);
    assert.deepEqual(await page(`CHATHISTORY BETWEEN #log msgid=${ids[0]} msgid=${ids[4]} 10`), [
      'm2',
      'm3',
      'm4',
    ]);
    assert.deepEqual(await page(`CHATHISTORY AFTER #log msgid=${ids[5]} 10`), []);
    a.send('CHATHISTORY AROUND #log msgid=1 10');
    await a.waitForLine(
      /^:test FAIL CHATHISTORY INVALID_PARAMS AROUND #log :AROUND is not supported/u,
    );
    a.send('CHATHISTORY BEFORE #log timestamp=2026-01-01T00:00:00.000Z 10');
    await a.waitForLine(
      /^:test FAIL CHATHISTORY INVALID_PARAMS BEFORE #log :references are msgid=N/u,
    );
    a.send('CHATHISTORY LATEST #nope * 10');
    await a.waitForLine(/^:test FAIL CHATHISTORY INVALID_PARAMS #nope :.*\[not_in_room\]$/u);
  });

  test('CHATHISTORY of a private conversation', async (t) => {
    const h = await ircServer(t);
    const a = await h.irc('alice', { caps: ALL });
    const b = await h.irc('bob');
    b.send('PRIVMSG alice :psst');
    await a.waitForLine(/PRIVMSG alice :psst$/u);
    a.send('PRIVMSG bob :what');
    await a.waitForLine(/:alice!alice@natter PRIVMSG bob :what$/u);
    a.send('CHATHISTORY LATEST bob * 10');
    const open = await a.waitForLine(/^:test BATCH \+\S+ chathistory bob$/u);
    await a.waitForLine(/batch=.*:bob!bob@natter PRIVMSG alice :psst$/u);
    await a.waitForLine(/batch=.*:alice!alice@natter PRIVMSG bob :what$/u);
    await a.waitForLine(new RegExp(`^:test BATCH -${open.split(' ')[2]!.slice(1)}$`, 'u'));
  });
});
