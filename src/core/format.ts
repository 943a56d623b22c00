/**
 * Text-mode rendering: one human-readable line per server event. The text in
 * events was sanitised when it entered the server, so formatting only adds
 * structure. Times are shown in the server's local time zone.
 */
import type { ServerFrame, MessageEvent, ModerationEvent } from '../protocol/frames.ts';
import { TEXT_COMMANDS } from './commands.ts';

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `HH:MM:SS` of a millisecond timestamp. */
export function formatClock(ts: number): string {
  const d = new Date(ts);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** `YYYY-MM-DD HH:MM:SS`, for history older than the current day. */
function formatDateTime(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${formatClock(ts)}`;
}

export function formatMessage(m: MessageEvent, now?: number): string {
  const sameDay =
    now === undefined || new Date(now).toDateString() === new Date(m.ts).toDateString();
  const stamp = `[${sameDay ? formatClock(m.ts) : formatDateTime(m.ts)}]`;
  if (m.to !== undefined) {
    return m.kind === 'me'
      ? `${stamp} (private to ${m.to}) * ${m.from} ${m.text}`
      : `${stamp} <${m.from} → ${m.to}> ${m.text}`;
  }
  const where = m.room ?? '?';
  return m.kind === 'me'
    ? `${stamp} ${where} * ${m.from} ${m.text}`
    : `${stamp} ${where} <${m.from}> ${m.text}`;
}

/** How a moderation action reads in a sentence (text mode, IRC notices). */
export const ACTION_TEXT: Record<ModerationEvent['action'], string> = {
  kick: 'kicked',
  ban: 'banned',
  unban: 'lifted the ban on',
  mute: 'muted',
  unmute: 'unmuted',
  op: 'gave operator rights to',
  deop: 'took operator rights from',
};

function formatModeration(e: ModerationEvent): string {
  const where = e.room ? `${e.room} ` : '';
  const scope = e.room ? '' : e.action === 'ban' || e.action === 'mute' ? ' server-wide' : '';
  const until = e.until === undefined ? '' : ` until ${formatDateTime(e.until)}`;
  const reason = e.reason ? ` (${e.reason})` : '';
  return `[${formatClock(e.ts)}] ${where}-- ${e.by} ${ACTION_TEXT[e.action]} ${e.target}${scope}${until}${reason}`;
}

export function formatHelp(): string[] {
  const width = Math.max(...TEXT_COMMANDS.map((c) => c.usage.length));
  return [
    '-- commands (anything else is a message to your current room):',
    ...TEXT_COMMANDS.map((c) => `--   ${c.usage.padEnd(width)}  ${c.about}`),
  ];
}

/**
 * The text-mode line for a server frame, without its newline, or null for
 * frames that only matter to native clients (acks, pings).
 */
export function formatTextLine(frame: ServerFrame): string | null {
  switch (frame.type) {
    case 'message':
      return formatMessage(frame);
    case 'join':
      return `[${formatClock(frame.ts)}] ${frame.room} -- ${frame.name} joined`;
    case 'leave':
      return `[${formatClock(frame.ts)}] ${frame.room} -- ${frame.name} left${
        frame.reason ? ` (${frame.reason})` : ''
      }`;
    case 'nick':
      return `[${formatClock(frame.ts)}] -- ${frame.old} is now known as ${frame.name}`;
    case 'who': {
      const count = frame.count ?? frame.users.length;
      const rest = count - frame.users.length;
      return `-- ${frame.room}: ${count} ${count === 1 ? 'user' : 'users'}: ${frame.users.join(', ')}${
        rest > 0 ? ` and ${rest} more` : ''
      }`;
    }
    case 'rooms': {
      if (frame.rooms.length === 0) return '-- no rooms';
      const last = frame.rooms.at(-1)!.room;
      return `-- rooms: ${frame.rooms.map((r) => `${r.room} (${r.members})`).join(', ')}${
        frame.more ? `; more after ${last}: /rooms [FILTER] ${last}` : ''
      }`;
    }
    case 'history':
      if (frame.count === 0) {
        // Silence after a join replay; an answer to /history is never silent.
        return frame.id === undefined
          ? null
          : `-- no earlier messages ${frame.room ? `in ${frame.room}` : 'in private'}`;
      }
      return `-- ${frame.count} earlier ${frame.count === 1 ? 'message' : 'messages'} ${
        frame.room ? `in ${frame.room}` : 'in private'
      } above${frame.more ? '; /history N shows more' : ''}`;
    case 'topic':
      if (frame.by !== undefined) {
        return frame.topic === null
          ? `[${formatClock(frame.ts ?? Date.now())}] ${frame.room} -- ${frame.by} cleared the topic`
          : `[${formatClock(frame.ts ?? Date.now())}] ${frame.room} -- ${frame.by} set the topic: ${frame.topic}`;
      }
      return frame.topic === null
        ? `-- ${frame.room} has no topic`
        : `-- ${frame.room} topic: ${frame.topic}`;
    case 'account':
      return null; // a name's owner logging in changes nothing a reader sees
    case 'registered':
      return `-- ${frame.name} is registered: from now on this name needs its password`;
    case 'moderation':
      return formatModeration(frame);
    case 'bans':
      if (frame.entries.length === 0) return '-- no bans or mutes';
      return frame.entries
        .map((e) => {
          const where = e.room ?? 'server';
          const until = e.until === null ? 'until lifted' : `until ${formatDateTime(e.until)}`;
          return `-- ${where}: ${e.kind} ${e.target} ${until} by ${e.by}${e.reason ? ` (${e.reason})` : ''}`;
        })
        .join('\n');
    case 'notice':
      return `-- ${frame.text}`;
    case 'error':
      return `! ${frame.code}: ${frame.message}`;
    case 'welcome':
      return `-- Welcome, ${frame.name}! You are in ${frame.room}. Type /help for commands.`;
    case 'bye':
      // "shutdown" is the protocol's word for a restart; people get a sentence.
      return frame.reason === 'shutdown'
        ? '-- server shutting down (restarting); connect again in a moment'
        : `-- ${frame.reason}`;
    case 'ack':
      return frame.offline
        ? '-- they are offline: stored, and delivered when they next log in'
        : null;
    case 'read':
    case 'ping':
    case 'pong':
      return null;
  }
}
