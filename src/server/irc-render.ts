/**
 * The hub's server frames as IRC lines for one connection. Events that go
 * to many (messages, joins, parts, nick changes, topics, moderation) are
 * built once per tag variant and shared through the Outgoing's cache; the
 * per-connection parts (own-message echo, history batches, numerics) are
 * decided here.
 */
import { ACTION_TEXT } from '../core/format.ts';
import type { MessageEvent, ModerationEvent, ServerFrame } from '../protocol/frames.ts';
import { ctcpAction, ircSafe } from '../protocol/irc-format.ts';
import { formatIrcLine, splitUtf8, utf8Bytes } from '../protocol/irc-message.ts';
import { ERR, RPL, refusalNumeric } from '../protocol/irc-numerics.ts';
import { parseAddressTarget } from './moderation.ts';
import type { Outgoing } from './outgoing.ts';
import { hostmask, presenceOf, type IrcConnection } from './irc-state.ts';
import { isOperator, welcomeBurst, whoReplyLine } from './irc-replies.ts';

type Tags = [string, string][];

/** Own message ids remembered until their delivery comes back. */
const MAX_SENT = 64;

/** Room notices about text mode's "current room", which IRC does not have. */
const CURRENT_ROOM_NOTICE = /^you are (?:now in #|in no room)/u;

function isoTime(ts: number): string {
  return new Date(ts).toISOString();
}

/** The account a live sender is logged in to, for `account-tag`. */
function accountOf(irc: IrcConnection, name: string): string | null {
  return presenceOf(irc.hub, irc.hub.chat.findUser(name))?.account ?? null;
}

function eventTags(irc: IrcConnection, ts: number | undefined, extra: Tags = []): Tags {
  const tags: Tags = [];
  if (irc.has('server-time') && ts !== undefined) tags.push(['time', isoTime(ts)]);
  return [...tags, ...extra];
}

/** Which tags this connection gets on shared lines: the cache key. */
function variant(irc: IrcConnection): string {
  return `${irc.has('server-time') ? 't' : ''}${irc.has('message-tags') ? 'm' : ''}${
    irc.has('account-tag') ? 'a' : ''
  }${irc.has('account-notify') ? 'n' : ''}`;
}

function joinLines(lines: readonly string[]): string {
  return lines.map((l) => ircSafe(l) + '\r\n').join('');
}

function messageLines(irc: IrcConnection, m: MessageEvent, batch?: string): string[] {
  const tags = eventTags(irc, m.ts);
  if (irc.has('message-tags')) tags.push(['msgid', String(m.msg)]);
  if (irc.has('account-tag') && m.history !== true) {
    const account = accountOf(irc, m.from);
    if (account !== null) tags.push(['account', account]);
  }
  if (batch !== undefined) tags.unshift(['batch', batch]);
  const source = hostmask(m.from);
  const target = m.room ?? m.to ?? irc.target;
  const action = m.kind === 'me';
  // Room for the text: 512 bytes less the prefix, command, target and CRLF.
  const budget =
    510 - utf8Bytes(`:${source} PRIVMSG ${target} :`) - (action ? utf8Bytes(ctcpAction('')) : 0);
  return splitUtf8(m.text, Math.max(64, budget)).map((piece) =>
    formatIrcLine(source, 'PRIVMSG', [target, action ? ctcpAction(piece) : piece], tags),
  );
}

function historyKey(m: { room?: string; to?: string; from?: string }, own: string): string {
  if (m.room !== undefined) return m.room;
  return `@${m.from === own ? m.to : m.from}`;
}

/** A replayed message: shown inside a history batch, only to clients that can date it. */
function historyMessage(irc: IrcConnection, m: MessageEvent): string[] {
  if (!irc.has('server-time')) return [];
  if (!irc.has('batch')) return messageLines(irc, m);
  const key = m.room ?? '@';
  const lines: string[] = [];
  let ref = irc.batches.get(key);
  if (ref === undefined) {
    ref = irc.newBatch();
    irc.batches.set(key, ref);
    const target = m.room ?? historyKey(m, irc.target).slice(1);
    lines.push(formatIrcLine(irc.server, 'BATCH', [`+${ref}`, 'chathistory', target]));
  }
  return [...lines, ...messageLines(irc, m, ref)];
}

function historyEnd(irc: IrcConnection, frame: Extract<ServerFrame, { type: 'history' }>) {
  const key = frame.room ?? '@';
  const ref = irc.batches.get(key);
  const asked = frame.id === undefined ? undefined : irc.chathistory.get(frame.id);
  if (frame.id !== undefined) {
    irc.chathistory.delete(frame.id);
    irc.settled(frame.id);
  }
  if (ref !== undefined) {
    irc.batches.delete(key);
    return [formatIrcLine(irc.server, 'BATCH', [`-${ref}`])];
  }
  if (asked !== undefined && irc.has('batch')) {
    // An empty answer to CHATHISTORY is still a batch, so the client knows it ended.
    const empty = irc.newBatch();
    return [
      formatIrcLine(irc.server, 'BATCH', [`+${empty}`, 'chathistory', asked]),
      formatIrcLine(irc.server, 'BATCH', [`-${empty}`]),
    ];
  }
  return [];
}

/** natter bans a name or an address; IRC shows either as a mask. */
export function banMask(target: string): string {
  return parseAddressTarget(target) === null ? `${target}!*@*` : `*!*@${target}`;
}

function moderationLines(irc: IrcConnection, e: ModerationEvent): string[] {
  const by = hostmask(e.by);
  const tags = eventTags(irc, e.ts);
  const reason = e.reason ?? '';
  if (e.room === undefined || e.action === 'mute' || e.action === 'unmute') {
    const where = e.room === undefined ? 'server-wide' : `in ${e.room}`;
    const text = `${e.by} ${ACTION_TEXT[e.action]} ${e.target} ${where}${reason ? ` (${reason})` : ''}`;
    return [formatIrcLine(irc.server, 'NOTICE', [e.room ?? irc.target, text], tags)];
  }
  switch (e.action) {
    case 'kick':
      return [formatIrcLine(by, 'KICK', [e.room, e.target, reason || e.by], tags)];
    case 'ban': {
      const mask = banMask(e.target);
      const lines = [formatIrcLine(by, 'MODE', [e.room, '+b', mask], tags)];
      // A room ban also removes its target; IRC clients learn that from a KICK.
      if (irc.hub.chat.findRoom(e.room)?.members.has(irc.hub.chat.findUser(e.target)?.key ?? '')) {
        lines.push(formatIrcLine(by, 'KICK', [e.room, e.target, reason || 'banned'], tags));
      }
      return lines;
    }
    case 'unban':
      return [formatIrcLine(by, 'MODE', [e.room, '-b', banMask(e.target)], tags)];
    case 'op':
    case 'deop':
      return [formatIrcLine(by, 'MODE', [e.room, e.action === 'op' ? '+o' : '-o', e.target], tags)];
  }
}

/** Lines shared by everyone with the same capabilities. */
function sharedLines(irc: IrcConnection, frame: ServerFrame): string[] | null {
  switch (frame.type) {
    case 'message':
      return messageLines(irc, frame);
    case 'join': {
      const tags = eventTags(irc, frame.ts);
      const account = irc.has('account-tag') ? accountOf(irc, frame.name) : null;
      if (account !== null) tags.push(['account', account]);
      return [formatIrcLine(hostmask(frame.name), 'JOIN', [frame.room], tags)];
    }
    case 'leave':
      if (frame.reason !== undefined) {
        return [
          formatIrcLine(hostmask(frame.name), 'QUIT', [frame.reason], eventTags(irc, frame.ts)),
        ];
      }
      return [formatIrcLine(hostmask(frame.name), 'PART', [frame.room], eventTags(irc, frame.ts))];
    case 'nick':
      return [formatIrcLine(hostmask(frame.old), 'NICK', [frame.name], eventTags(irc, frame.ts))];
    case 'topic':
      return [
        formatIrcLine(
          hostmask(frame.by!),
          'TOPIC',
          [frame.room, frame.topic ?? ''],
          eventTags(irc, frame.ts),
        ),
      ];
    case 'moderation':
      return moderationLines(irc, frame);
    case 'account':
      return irc.has('account-notify')
        ? [
            formatIrcLine(
              hostmask(frame.name),
              'ACCOUNT',
              [frame.account],
              eventTags(irc, undefined),
            ),
          ]
        : [];
    default:
      return null;
  }
}

function shared(irc: IrcConnection, out: Outgoing): Buffer | null {
  return out.cached(`irc:${variant(irc)}`, () => {
    const lines = sharedLines(irc, out.frame);
    return lines === null ? null : Buffer.from(joinLines(lines));
  });
}

function bytesOf(lines: readonly string[]): Buffer | null {
  return lines.length === 0 ? null : Buffer.from(joinLines(lines));
}

function errorLines(irc: IrcConnection, frame: Extract<ServerFrame, { type: 'error' }>): string[] {
  const context = irc.contextOf(frame.id);
  if (frame.fatal) {
    const closing = formatIrcLine(undefined, 'ERROR', [
      `Closing link: ${frame.message} [${frame.code}]`,
    ]);
    // A ban at login is 465 before the ERROR, as IRC clients expect.
    if (frame.code !== 'banned') return [closing];
    const text = `${frame.message} [${frame.code}]`;
    return [formatIrcLine(irc.server, ERR.YOUREBANNEDCREEP, [irc.target, text]), closing];
  }
  if (frame.id !== undefined) irc.chathistory.delete(frame.id);
  if (context.list === 'who' || context.list === 'names') {
    // The refused list still ends, so clients waiting for it stop waiting.
    irc.pendingWho.shift();
    const end = context.list === 'who' ? RPL.ENDOFWHO : RPL.ENDOFNAMES;
    return [
      formatIrcLine(irc.server, end, [
        irc.target,
        context.target ?? '*',
        `End of list: ${frame.message} [${frame.code}]`,
      ]),
    ];
  }
  if (context.list === 'bans') irc.pendingBans.shift();
  // Never answer a NOTICE (Modern IRC): bots would loop on each other's refusals.
  if (context.command === 'NOTICE') return [];
  if (frame.code === 'already_in_room' && context.command === 'JOIN') return [];
  const text = `${frame.message} [${frame.code}]`;
  if (context.command === 'CHATHISTORY') {
    return [
      formatIrcLine(irc.server, 'FAIL', [
        'CHATHISTORY',
        'INVALID_PARAMS',
        context.target ?? '*',
        text,
      ]),
    ];
  }
  const numeric = refusalNumeric(frame.code, context);
  if (numeric === null) return [formatIrcLine(irc.server, 'NOTICE', [irc.target, text])];
  return [formatIrcLine(irc.server, numeric.numeric, [irc.target, ...numeric.params, text])];
}

function namesLines(irc: IrcConnection, room: string, users: readonly string[]): string[] {
  const roomKey = irc.hub.chat.findRoom(room)?.key;
  const shown = users.map((name) => {
    const op = roomKey !== undefined && isOperator(irc, name, roomKey);
    return op ? `@${name}` : name;
  });
  const head = `:${irc.server} ${RPL.NAMREPLY} ${irc.target} = ${room} :`;
  const lines: string[] = [];
  let batch: string[] = [];
  for (const name of shown) {
    if (utf8Bytes(head + [...batch, name].join(' ')) > 510 && batch.length > 0) {
      lines.push(head + batch.join(' '));
      batch = [];
    }
    batch.push(name);
  }
  if (batch.length > 0) lines.push(head + batch.join(' '));
  lines.push(formatIrcLine(irc.server, RPL.ENDOFNAMES, [irc.target, room, 'End of /NAMES list']));
  return lines;
}

function ownLines(irc: IrcConnection, frame: ServerFrame): string[] {
  const s = irc.server;
  const me = irc.target;
  switch (frame.type) {
    case 'welcome':
      return welcomeBurst(irc, frame);
    case 'who': {
      const kind = irc.pendingWho.shift() ?? 'names';
      if (kind === 'names') return namesLines(irc, frame.room, frame.users);
      return [
        ...frame.users.map((name) => whoReplyLine(irc, frame.room, name)),
        formatIrcLine(s, RPL.ENDOFWHO, [me, frame.room, 'End of /WHO list']),
      ];
    }
    case 'rooms':
      return [
        formatIrcLine(s, RPL.LISTSTART, [me, 'Channel', 'Users  Name']),
        ...frame.rooms.map((r) =>
          formatIrcLine(s, RPL.LIST, [me, r.room, String(r.members), r.topic ?? '']),
        ),
        formatIrcLine(s, RPL.LISTEND, [me, 'End of /LIST']),
      ];
    case 'history':
      return historyEnd(irc, frame);
    case 'topic':
      return frame.topic === null
        ? [formatIrcLine(s, RPL.NOTOPIC, [me, frame.room, 'No topic is set'])]
        : [formatIrcLine(s, RPL.TOPIC, [me, frame.room, frame.topic])];
    case 'bans': {
      const room = irc.pendingBans.shift() ?? '*';
      return [
        ...frame.entries
          .filter(
            (e) => e.kind !== 'mute' && (e.room === undefined || e.room === room || room === '*'),
          )
          .map((e) => formatIrcLine(s, RPL.BANLIST, [me, room, banMask(e.target), e.by])),
        formatIrcLine(s, RPL.ENDOFBANLIST, [me, room, 'End of channel ban list']),
      ];
    }
    case 'registered':
      return [
        formatIrcLine(s, RPL.LOGGEDIN, [
          me,
          hostmask(me),
          frame.name,
          `You are now logged in as ${frame.name}`,
        ]),
        formatIrcLine(s, 'NOTICE', [
          me,
          `${frame.name} is registered: from now on this name needs its password`,
        ]),
      ];
    case 'notice':
      return CURRENT_ROOM_NOTICE.test(frame.text)
        ? []
        : [formatIrcLine(s, 'NOTICE', [me, frame.text])];
    case 'error':
      return errorLines(irc, frame);
    case 'ping':
      return [formatIrcLine(undefined, 'PING', [frame.token ?? s])];
    case 'pong':
      return [formatIrcLine(s, 'PONG', [s, frame.token ?? s])];
    case 'bye':
      return [formatIrcLine(undefined, 'ERROR', [`Closing link: ${frame.reason}`])];
    case 'ack':
      irc.settled(frame.id);
      irc.sent.add(frame.msg);
      // A re-sent id is acked without a delivery: keep the set small regardless.
      if (irc.sent.size > MAX_SENT) irc.sent.delete(irc.sent.values().next().value!);
      return [];
    default:
      return [];
  }
}

/** The bytes this IRC connection gets for one outgoing frame, or null for none. */
export function renderIrc(irc: IrcConnection, out: Outgoing): Buffer | null {
  const frame = out.frame;
  if (frame.type === 'message' && frame.history === true)
    return bytesOf(historyMessage(irc, frame));
  // The client shows what it sent itself; what the account sent from elsewhere it is shown.
  if (frame.type === 'message' && irc.sent.delete(frame.msg) && !irc.has('echo-message')) {
    return null; // the client shows what it sent itself
  }
  if (frame.type === 'topic' && frame.by === undefined) return bytesOf(ownLines(irc, frame));
  if (frame.type === 'leave' && frame.reason !== undefined) {
    // A disconnect is one leave per shared room; IRC shows one QUIT.
    const key = `${frame.name}|${frame.ts}`;
    if (irc.lastQuit === key) return null;
    irc.lastQuit = key;
  }
  const common = shared(irc, out);
  if (common === null) return bytesOf(ownLines(irc, frame));
  const extra = afterShared(irc, frame);
  return extra.length === 0 ? common : Buffer.concat([common, Buffer.from(joinLines(extra))]);
}

/** Per-connection lines that follow a shared one: a joiner's away status, own nick changes. */
function afterShared(irc: IrcConnection, frame: ServerFrame): string[] {
  if (frame.type === 'join' && irc.has('away-notify') && frame.name !== irc.target) {
    const away = presenceOf(irc.hub, irc.hub.chat.findUser(frame.name))?.away;
    if (away) return [formatIrcLine(hostmask(frame.name), 'AWAY', [away])];
  }
  return [];
}
