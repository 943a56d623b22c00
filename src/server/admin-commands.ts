/**
 * What `natter admin` can ask of a running server, one table of commands.
 * Each takes the request's arguments (validated here: the socket is local,
 * but a bad request still gets a clear error and changes nothing) and acts
 * through the hub's own functions, as the server's operators.
 */
import { readFileSync } from 'node:fs';
import { NatterError, natterError } from '../protocol/errors.ts';
import { checkName } from '../core/names.ts';
import { checkRoomName } from '../core/rooms.ts';
import { sanitizeText } from '../core/sanitize.ts';
import { SERVER_SCOPE } from '../store/moderation.ts';
import type { HubContext } from './hub-context.ts';
import {
  applyBan,
  banTarget,
  durationProblem,
  kickFromRoom,
  type Scope,
} from './moderation-requests.ts';
import type { RunningServer } from './server.ts';
import type { Session } from './session.ts';

/** Shown as the actor in moderation events and logs. */
export const ADMIN_ACTOR = 'server operators';
const REASON_MAX = 200;

export type AdminArgs = Record<string, unknown>;

export interface AdminContext {
  server: RunningServer;
  /** Re-reads configuration and certificates, as SIGHUP does; throws when refused. */
  reload(): Promise<Record<string, unknown>>;
}

type Handler = (ctx: AdminContext, args: AdminArgs) => unknown;

const VERSION = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    return String((pkg as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
})();

function text(args: AdminArgs, field: string, required: true): string;
function text(args: AdminArgs, field: string, required?: false): string | undefined;
function text(args: AdminArgs, field: string, required = false): string | undefined {
  const value = args[field];
  if (value === undefined || value === null || value === '') {
    if (required) throw natterError('bad_arguments', `${field} is required`);
    return undefined;
  }
  if (typeof value !== 'string' || value.length > 4096) {
    throw natterError('bad_arguments', `${field} must be a string of at most 4096 characters`);
  }
  return value;
}

function reasonOf(args: AdminArgs): string | undefined {
  const raw = text(args, 'reason');
  return raw === undefined ? undefined : sanitizeText(raw).trim().slice(0, REASON_MAX) || undefined;
}

function roomScope(hub: HubContext, raw: string): Scope {
  const checked = checkRoomName(raw);
  const record = checked.ok ? hub.rooms.get(checked.key) : undefined;
  if (!record) throw natterError('no_such_room', `there is no room ${raw.slice(0, 70)}`);
  return { key: record.key, room: record.name };
}

function nameKeyOf(raw: string): { key: string; display: string } {
  const checked = checkName(raw);
  if (!checked.ok) throw natterError('bad_arguments', `${raw.slice(0, 40)} is not a valid name`);
  return { key: checked.key, display: checked.display };
}

/** Every live session of a name (one today; several once accounts have devices). */
function sessionsNamed(hub: HubContext, key: string): Session[] {
  return [...hub.sessions()].filter((s) => s.user?.key === key);
}

function sessionsOfAccount(hub: HubContext, key: string): Session[] {
  return [...hub.sessions()].filter((s) => s.account === key);
}

function disconnect(sessions: Session[], why: string): void {
  for (const session of sessions) session.close(why, { type: 'bye', reason: why });
}

function unwrap(result: NatterError | void): void {
  if (result instanceof NatterError) throw result;
}

const COMMANDS: Record<string, Handler> = {
  async status({ server }) {
    const { hub, credentials } = server;
    let store = 'ok';
    try {
      await server.store.ping?.();
    } catch (error) {
      store = `down: ${(error as Error).message}`;
    }
    return {
      version: VERSION,
      uptime_s: Math.round((Date.now() - server.startedAt) / 1000),
      listening: `${server.host}:${server.port}`,
      sessions: hub.sessionCount,
      rooms: hub.chat.rooms().length,
      rooms_stored: hub.rooms.all().length,
      store,
      bus: 'ok (local, in-process)',
      certificate: {
        file: credentials.certFile,
        fingerprint: credentials.fingerprint,
        valid_to: credentials.validTo.toISOString(),
      },
      operators: [...hub.accounts.operators],
      registered_only: hub.accounts.registeredOnly,
    };
  },

  reload: (ctx) => ctx.reload(),

  async kick({ server: { hub } }, args) {
    const name = text(args, 'name', true);
    const reason = reasonOf(args);
    const room = text(args, 'room');
    if (room !== undefined) {
      unwrap(await kickFromRoom(hub, roomScope(hub, room), { name, reason }, ADMIN_ACTOR, []));
      return { kicked: name, room };
    }
    const target = nameKeyOf(name);
    const sessions = sessionsNamed(hub, target.key);
    if (sessions.length === 0) throw natterError('no_such_user', `${target.display} is not online`);
    disconnect(sessions, `kicked by the ${ADMIN_ACTOR}${reason ? `: ${reason}` : ''}`);
    hub.log.info('kick', { target: target.display, by: ADMIN_ACTOR, sessions: sessions.length });
    return { kicked: target.display, sessions: sessions.length };
  },

  async ban({ server: { hub } }, args) {
    const target = banTarget(text(args, 'target', true));
    if (target instanceof NatterError) throw target;
    const room = text(args, 'room');
    const scope: Scope = room === undefined ? { key: SERVER_SCOPE } : roomScope(hub, room);
    const duration = args.duration;
    if (duration !== undefined && (!Number.isSafeInteger(duration) || (duration as number) <= 0)) {
      throw natterError('bad_arguments', 'duration must be a positive number of milliseconds');
    }
    const tooLong = durationProblem(duration as number | undefined);
    if (tooLong) throw tooLong;
    await applyBan(
      hub,
      scope,
      target,
      { duration: duration as number | undefined, reason: reasonOf(args) },
      ADMIN_ACTOR,
      [],
    );
    return { banned: target.label, scope: scope.room ?? 'server' };
  },

  say({ server: { hub } }, args) {
    const raw = text(args, 'text', true);
    const clean = sanitizeText(raw).trim();
    if (clean === '') throw natterError('empty_message', 'nothing to say');
    if (Buffer.byteLength(clean) > hub.limits.maxMessageBytes) {
      throw natterError('message_too_long', `at most ${hub.limits.maxMessageBytes} bytes`);
    }
    const frame = { type: 'notice' as const, text: `[server] ${clean}` };
    const room = text(args, 'room');
    if (room !== undefined) {
      const checked = checkRoomName(room);
      const live = checked.ok ? hub.chat.findRoom(checked.key) : undefined;
      if (!live) throw natterError('no_such_room', `nobody is in ${room.slice(0, 70)}`);
      hub.deliverToRoom(live, frame);
      return { said: live.name, to: live.members.size };
    }
    const users = [...hub.sessions()].flatMap((s) => (s.user ? [s.user] : []));
    hub.deliver(new Set(users), frame);
    return { said: 'everyone', to: users.length };
  },

  rooms({ server: { hub } }) {
    return hub.rooms.all().map((stored) => ({
      room: stored.name,
      members: hub.chat.findRoom(stored.key)?.members.size ?? 0,
      topic: stored.topic,
    }));
  },

  sessions({ server: { hub } }) {
    const now = Date.now();
    return [...hub.sessions()].map((s) => ({
      id: s.id,
      name: s.user?.name ?? null,
      account: s.account !== null,
      dialect: s.dialect,
      address: s.remoteAddress,
      rooms: s.user ? [...s.user.rooms].map((key) => hub.chat.findRoom(key)?.name ?? key) : [],
      idle_s: Math.round((now - s.lastActivity) / 1000),
    }));
  },

  async 'accounts list'({ server }) {
    const accounts = await server.store.accounts.listAccounts();
    return accounts.map((a) => ({
      name: a.name,
      created: new Date(a.createdAt).toISOString(),
      locked: a.locked === true,
      operator: server.hub.accounts.operators.has(a.nameKey),
      online: sessionsOfAccount(server.hub, a.nameKey).length,
    }));
  },

  async 'accounts delete'({ server }, args) {
    const target = nameKeyOf(text(args, 'name', true));
    if (!(await server.store.accounts.deleteAccount(target.key))) {
      throw natterError('no_such_user', `${target.display} is not registered`);
    }
    // The store dropped its room-operator grants; the in-memory copy follows.
    for (const room of server.hub.rooms.all())
      await server.hub.moderation.revoke(room.key, target.key);
    const sessions = sessionsOfAccount(server.hub, target.key);
    disconnect(sessions, `the account ${target.display} was deleted by the ${ADMIN_ACTOR}`);
    server.hub.log.info('account deleted', { name: target.display, by: ADMIN_ACTOR });
    return { deleted: target.display, disconnected: sessions.length };
  },

  async 'accounts lock'({ server }, args) {
    const target = nameKeyOf(text(args, 'name', true));
    const locked = args.unlock !== true;
    if (!(await server.store.accounts.setLocked(target.key, locked))) {
      throw natterError('no_such_user', `${target.display} is not registered`);
    }
    const sessions = locked ? sessionsOfAccount(server.hub, target.key) : [];
    disconnect(sessions, `the account ${target.display} was locked by the ${ADMIN_ACTOR}`);
    server.hub.log.info(locked ? 'account locked' : 'account unlocked', {
      name: target.display,
      by: ADMIN_ACTOR,
    });
    return { [locked ? 'locked' : 'unlocked']: target.display, disconnected: sessions.length };
  },
};

export const ADMIN_COMMANDS = Object.keys(COMMANDS);

export type AdminReply =
  { ok: true; result: unknown } | { ok: false; code: string; message: string };

export async function runAdminCommand(
  ctx: AdminContext,
  command: string,
  args: AdminArgs,
): Promise<AdminReply> {
  const handler = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!handler) {
    return {
      ok: false,
      code: 'unknown_command',
      message: `unknown admin command "${command.slice(0, 40)}"; known: ${ADMIN_COMMANDS.join(', ')}`,
    };
  }
  try {
    return { ok: true, result: (await handler(ctx, args)) ?? null };
  } catch (error) {
    if (error instanceof NatterError)
      return { ok: false, code: error.code, message: error.message };
    const code = (error as { code?: unknown }).code;
    return {
      ok: false,
      code: typeof code === 'string' ? code : 'internal',
      message: (error as Error).message,
    };
  }
}
