/**
 * Server frames into the chat model: which conversation each one belongs
 * to, what line it adds there, and what it changes (members, topic, our
 * name, our pending messages). Frames arrive sanitised (sanitizeFrame) and
 * de-duplicated by the connection manager.
 */
import type {
  AckFrame,
  ErrorFrame,
  HistoryEnd,
  MessageEvent,
  NickEvent,
  ServerFrame,
} from '../../protocol/frames.ts';
import { formatTextLine } from '../../core/format.ts';
import type { Conversation } from './conversation.ts';
import { type ChatModel, privateKey, sameName } from './chat-model.ts';
import { mentions } from './mentions.ts';

/** A `who` of a big room is summarised: the names beyond this many are counted, not listed. */
const WHO_SHOWN = 40;

export function applyFrame(model: ChatModel, frame: ServerFrame): void {
  switch (frame.type) {
    case 'welcome':
      model.me = frame.name;
      model.server = frame.server;
      model.openRoom(frame.room);
      break;
    case 'message':
      message(model, frame);
      break;
    case 'ack':
      ack(model, frame);
      if (frame.offline)
        model.notice('they are offline: stored, and delivered when they next log in');
      break;
    case 'error':
      error(model, frame);
      break;
    case 'join': {
      const room = model.openRoom(frame.room);
      if (sameName(frame.name, model.me)) room.title = frame.room;
      if (!room.members.some((m) => sameName(m, frame.name))) room.members.push(frame.name);
      model.add(room, model.entry({ kind: 'notice', ts: frame.ts, text: `${frame.name} joined` }));
      break;
    }
    case 'leave': {
      const room = model.room(frame.room);
      if (!room) break;
      if (sameName(frame.name, model.me)) {
        model.close(room);
        model.notice(`you left ${frame.room}`);
        break;
      }
      room.members = room.members.filter((m) => !sameName(m, frame.name));
      const why = frame.reason ? ` (${frame.reason})` : '';
      model.add(
        room,
        model.entry({ kind: 'notice', ts: frame.ts, text: `${frame.name} left${why}` }),
      );
      break;
    }
    case 'nick':
      nick(model, frame);
      break;
    case 'who': {
      const room = model.room(frame.room);
      if (room) room.members = [...frame.users];
      // A big room's who lists only its first members; count is the whole room.
      const n = frame.count ?? frame.users.length;
      const listed = frame.users.slice(0, WHO_SHOWN);
      const shown = listed.join(', ');
      const more = n > listed.length ? ` and ${n - listed.length} more` : '';
      const text = `${frame.room}: ${n} ${n === 1 ? 'user' : 'users'}: ${shown}${more}`;
      model.notice(text, 'notice', room ?? model.shown);
      break;
    }
    case 'rooms':
      for (const r of frame.rooms) model.knownRooms.add(r.room);
      model.notice(
        frame.rooms.length === 0
          ? 'no rooms'
          : `rooms: ${frame.rooms.map((r) => `${r.room} (${r.members})`).join(', ')}${
              frame.more ? `; more: /rooms ${frame.rooms.at(-1)!.room}` : ''
            }`,
      );
      break;
    case 'history':
      historyEnd(model, frame);
      break;
    case 'topic': {
      const room = model.room(frame.room);
      if (room) room.topic = frame.topic;
      let text: string;
      if (frame.by !== undefined) {
        text =
          frame.topic === null
            ? `${frame.by} cleared the topic`
            : `${frame.by} set the topic: ${frame.topic}`;
      } else {
        text = frame.topic === null ? `${frame.room} has no topic` : `topic: ${frame.topic}`;
      }
      model.add(room ?? model.shown, model.entry({ kind: 'notice', ts: frame.ts, text }));
      break;
    }
    case 'notice':
      model.notice(frame.text);
      break;
    case 'bye':
    case 'ping':
    case 'pong':
      return; // the state change says goodbye; pings are the manager's
    default: {
      // Events this screen has no special place for: the text-mode line says what happened.
      const line = formatTextLine(frame);
      if (typeof line === 'string') model.notice(line.replace(/^\[[\d:]+\] /u, ''));
    }
  }
  model.changed();
}

function message(model: ChatModel, frame: MessageEvent): void {
  const mine = sameName(frame.from, model.me);
  const isPrivate = frame.to !== undefined;
  const conversation = isPrivate
    ? model.openPrivate(mine ? frame.to! : frame.from)
    : model.openRoom(frame.room ?? '#?');
  if (mine && adoptEcho(conversation, frame)) return;
  const live = frame.history !== true;
  const entry = model.entry({
    kind: frame.kind,
    ts: frame.ts,
    from: frame.from,
    text: frame.text,
    msg: frame.msg,
    ...(mine ? { own: 'acked' as const } : {}),
    mention: !mine && (isPrivate || mentions(frame.text, model.me)),
  });
  model.add(conversation, entry, live && !mine);
  if (live && entry.mention) model.onAlert(conversation, entry);
}

/**
 * Our own message coming back from the server: it is already on screen
 * (pending, or acknowledged with this id), so it only confirms the line.
 */
function adoptEcho(conversation: Conversation, frame: MessageEvent): boolean {
  let entry = conversation.findMsg(frame.msg);
  if (!entry && frame.history !== true) {
    // The broadcast overtook the ack: match the oldest pending line with this text.
    entry = conversation.entries.find(
      (e) => e.own === 'pending' && e.msg === undefined && e.text === frame.text,
    );
  }
  if (!entry) return false;
  entry.msg = frame.msg;
  entry.ts = frame.ts;
  entry.own = 'acked';
  entry.rev += 1;
  return true;
}

function ack(model: ChatModel, frame: AckFrame): void {
  const pending = model.pending.get(frame.id);
  if (!pending) return;
  model.pending.delete(frame.id);
  const { entry } = pending;
  entry.own = 'acked';
  entry.msg = frame.msg;
  entry.ts = frame.ts;
  entry.rev += 1;
}

function error(model: ChatModel, frame: ErrorFrame): void {
  const text = `${frame.code}: ${frame.message}`;
  const pending = frame.id === undefined ? undefined : model.pending.get(frame.id);
  if (!pending) {
    model.notice(text, 'error');
    return;
  }
  model.pending.delete(frame.id!);
  pending.entry.own = 'failed';
  pending.entry.rev += 1;
  model.add(pending.conversation, model.entry({ kind: 'error', text }));
}

function nick(model: ChatModel, frame: NickEvent): void {
  const text = `${frame.old} is now known as ${frame.name}`;
  const itsUs = sameName(frame.old, model.me);
  if (itsUs) model.me = frame.name;
  for (const conversation of model.order) {
    if (conversation.kind === 'room') {
      const member = conversation.renameMember(frame.old, frame.name, sameName);
      if (!member && !itsUs) continue;
    } else if (sameName(conversation.title, frame.old)) {
      conversation.key = privateKey(frame.name);
      conversation.title = frame.name;
    } else {
      continue;
    }
    model.add(conversation, model.entry({ kind: 'notice', ts: frame.ts, text }));
  }
}

function historyEnd(model: ChatModel, frame: HistoryEnd): void {
  if (frame.count === 0) return;
  let where = model.shown;
  if (frame.room !== undefined) where = model.room(frame.room) ?? where;
  else if (frame.with) where = model.openPrivate(frame.with);
  const n = frame.count;
  const more = frame.more ? '; /history N shows more' : '';
  model.notice(`${n} earlier ${n === 1 ? 'message' : 'messages'} above${more}`, 'notice', where);
}
