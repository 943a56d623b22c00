/** Server replies and events as the lines the log shows for them. */
import type { BanEntry, ModerationEvent, RoomsReply, WhoReply } from '../../src/protocol/frames.ts';

export function moderationText(frame: ModerationEvent): string {
  const until = frame.until ? ` until ${new Date(frame.until).toLocaleString()}` : '';
  const why = frame.reason ? `: ${frame.reason}` : '';
  return `${frame.by} ${frame.action} ${frame.target}${until}${why}`;
}

export function banLines(entries: readonly BanEntry[]): string[] {
  if (entries.length === 0) return ['no bans or mutes'];
  return entries.map((e) => {
    const until = e.until === null ? 'until lifted' : `until ${new Date(e.until).toLocaleString()}`;
    const why = e.reason ? `: ${e.reason}` : '';
    return `${e.kind} ${e.target} ${e.room ?? 'server-wide'} ${until} by ${e.by}${why}`;
  });
}

export function roomsText(frame: RoomsReply): string {
  return 'rooms: ' + frame.rooms.map((r) => `${r.room} (${r.members})`).join(', ');
}

export function whoText(frame: WhoReply): string {
  return `${frame.room}: ${frame.users.length} users: ${frame.users.join(', ')}`;
}

export function topicText(topic: string | null, by?: string): string {
  return by ? `${by} set the topic: ${topic ?? '(none)'}` : `topic: ${topic ?? '(none)'}`;
}
