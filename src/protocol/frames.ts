/**
 * Native protocol v1 frame types (docs/protocol.md is the prose of this file).
 * One JSON object per `\n`-terminated UTF-8 line, each with a `type`.
 *
 * Naming: `id` is always the client-chosen id of a frame the client sent;
 * `msg` is always a server-assigned message id.
 */

export const PROTOCOL_VERSION = 1;
export const ALPN_NATIVE = 'natter/1';

/** Last server message id seen, per room, sent by a reconnecting client. */
export type ResumePoint = Record<string, number>;

// ---- client -> server -------------------------------------------------------

export interface HelloFrame {
  type: 'hello';
  version: number;
  name: string;
  /** Free-form client software name, for logs. */
  client?: string;
  /** Last message id seen per room; the server rejoins them and replays what came after. */
  resume?: ResumePoint;
  /** The token from an earlier `welcome`: proves this is the same person, for private history. */
  token?: string;
  /** Needed when `name` is a registered account. */
  password?: string;
}
export interface SayFrame {
  type: 'say';
  id: string;
  text: string;
  room?: string;
}
export interface MeFrame {
  type: 'me';
  id: string;
  text: string;
  room?: string;
}
export interface PrivateFrame {
  type: 'msg';
  id: string;
  to: string;
  text: string;
}
export interface WhoRequest {
  type: 'who';
  room?: string;
}
export interface NickRequest {
  type: 'nick';
  name: string;
}
export interface JoinRequest {
  type: 'join';
  room: string;
}
export interface LeaveRequest {
  type: 'leave';
  room?: string;
}
export interface RoomsRequest {
  type: 'rooms';
  /** Only rooms after this one (in room-key order): the last room of the previous page. */
  after?: string;
  /** At most this many (1–ROOMS_PAGE_MAX, default ROOMS_PAGE_DEFAULT); a page also stops at a byte budget. */
  limit?: number;
  /** Only rooms whose name contains this, case-insensitively. */
  match?: string;
}
export interface HistoryRequest {
  type: 'history';
  id?: string;
  room?: string;
  /** Private messages with this person instead of a room. */
  with?: string;
  /** Only messages with a server id below this one. */
  before?: number;
  /** Only messages with a server id above this one. */
  after?: number;
  limit?: number;
}
export interface TopicRequest {
  type: 'topic';
  room?: string;
  /** Absent: ask for the topic. Empty string: clear it. */
  topic?: string;
}
export interface RegisterRequest {
  type: 'register';
  password: string;
}
export interface PasswordRequest {
  type: 'password';
  current: string;
  password: string;
}
/** Moderation requests; without `room` a server operator acts server-wide, others on their current room. */
export interface KickRequest {
  type: 'kick';
  name: string;
  room?: string;
  reason?: string;
}
export interface BanRequest {
  type: 'ban';
  /** A name, an IP address or a CIDR block. */
  target: string;
  room?: string;
  /** Milliseconds; absent: until lifted. */
  duration?: number;
  reason?: string;
}
export interface UnbanRequest {
  type: 'unban';
  target: string;
  room?: string;
}
export interface MuteRequest {
  type: 'mute';
  name: string;
  room?: string;
  duration?: number;
  reason?: string;
}
export interface UnmuteRequest {
  type: 'unmute';
  name: string;
  room?: string;
}
export interface OpRequest {
  type: 'op' | 'deop';
  name: string;
  room?: string;
}
export interface BansRequest {
  type: 'bans';
  room?: string;
}
/** The session has shown messages up to `msg` in `room` ("@": private messages). */
export interface ReadRequest {
  type: 'read';
  room: string;
  msg: number;
}
/** Makes a room the session is in its current room: where room-less frames go (text mode's /switch). */
export interface SwitchRequest {
  type: 'switch';
  room: string;
}
export interface PingFrame {
  type: 'ping';
  token?: string;
}
export interface PongFrame {
  type: 'pong';
  token?: string;
}
export interface QuitFrame {
  type: 'quit';
  reason?: string;
}

/**
 * Every request may carry a client `id`; errors answering it, and the
 * `history` end frame, echo it. For say/me/msg it is required (acks need it).
 */
export type ClientFrame = { id?: string } & (
  | HelloFrame
  | SayFrame
  | MeFrame
  | PrivateFrame
  | WhoRequest
  | NickRequest
  | JoinRequest
  | LeaveRequest
  | RoomsRequest
  | HistoryRequest
  | TopicRequest
  | RegisterRequest
  | PasswordRequest
  | KickRequest
  | BanRequest
  | UnbanRequest
  | MuteRequest
  | UnmuteRequest
  | OpRequest
  | BansRequest
  | ReadRequest
  | SwitchRequest
  | PingFrame
  | PongFrame
  | QuitFrame
);

export type ClientFrameType = ClientFrame['type'];

/**
 * Requests that act on a room. Clients send each with the room the user is
 * looking at, so the server never acts on another (protocol.md, "room").
 */
export const ROOM_SCOPED_TYPES: ReadonlySet<ClientFrameType> = new Set<ClientFrameType>([
  'say',
  'me',
  'who',
  'topic',
  'history',
  'leave',
  'kick',
  'ban',
  'unban',
  'mute',
  'unmute',
  'op',
  'deop',
  'bans',
]);

export type * from './server-frames.ts';
