/**
 * Native protocol v1 frame types (docs/protocol.md is the prose of this file).
 * One JSON object per `\n`-terminated UTF-8 line, each with a `type`.
 *
 * Naming: `id` is always the client-chosen id of a frame the client sent;
 * `msg` is always a server-assigned message id.
 */
import type { ErrorCode } from './errors.ts';

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

// ---- server -> client -------------------------------------------------------

export interface WelcomeFrame {
  type: 'welcome';
  version: number;
  server: string;
  /** The name as the server will display it. */
  name: string;
  /** The current room: where room-less frames go. */
  room: string;
  /** Every room the server is about to bring this session into (current first), e.g. an account's rooms. */
  rooms?: string[];
  limits: {
    maxLineBytes: number;
    maxMessageBytes: number;
    historyMax: number;
    /** Flood control: send at most `burst` at once, then `perSecond` (absent from older servers). */
    flood?: { burst: number; perSecond: number; queue: number };
  };
  /** Present this in the next `hello` to be recognised as the same person (and device). */
  token: string;
  /** What this server supports beyond protocol 1's core, e.g. "read-markers", "multi-session", "offline-dm". */
  features?: string[];
  /** Set for a registered name: this session is one of the account's devices. */
  account?: true;
}
export interface AckFrame {
  type: 'ack';
  /** The client id of the acknowledged frame. */
  id: string;
  /** The server's id for the stored message. */
  msg: number;
  ts: number;
  /** A private message stored for a registered user who is offline: delivered at their next login. */
  offline?: true;
}
export type MessageKind = 'say' | 'me';
export interface MessageEvent {
  type: 'message';
  msg: number;
  ts: number;
  from: string;
  kind: MessageKind;
  text: string;
  /** Set for room messages. */
  room?: string;
  /** Set for private messages: the recipient's name. */
  to?: string;
  /** Set when the message is replayed from history rather than live. */
  history?: true;
}
export interface WhoReply {
  type: 'who';
  room: string;
  /** Members in join order: the first ones, when the room is too large for one reply. */
  users: string[];
  /** How many members the room has (absent from older servers). */
  count?: number;
  /** True when `users` lists only the first `users.length` of `count`. */
  more?: boolean;
}
export interface JoinEvent {
  type: 'join';
  room: string;
  name: string;
  ts: number;
}
export interface LeaveEvent {
  type: 'leave';
  room: string;
  name: string;
  ts: number;
  reason?: string;
}
export interface NickEvent {
  type: 'nick';
  old: string;
  name: string;
  ts: number;
}
export interface RoomsReply {
  type: 'rooms';
  rooms: { room: string; members: number; topic?: string }[];
  /** More rooms match beyond this page: ask again with `after` set to the last room (absent from older servers). */
  more?: boolean;
}
/** Ends a run of replayed messages (`history: true`): after a join, a resume or a request. */
export interface HistoryEnd {
  type: 'history';
  /** The id of the `history` request this answers; absent for join and resume replays. */
  id?: string;
  /** The room replayed, or `with` for private messages. */
  room?: string;
  with?: string;
  count: number;
  /** More messages exist beyond this page: ask again with `after`/`before`. */
  more: boolean;
}
export interface TopicEvent {
  type: 'topic';
  room: string;
  topic: string | null;
  /** Who set it; absent when the topic is only being reported. */
  by?: string;
  ts?: number;
}
/** Someone sharing a room with you is now logged in to an account (they registered their name). */
export interface AccountEvent {
  type: 'account';
  name: string;
  account: string;
}
export interface RegisteredReply {
  type: 'registered';
  name: string;
}
export type ModerationAction = 'kick' | 'ban' | 'unban' | 'mute' | 'unmute' | 'op' | 'deop';
/** A moderation action, shown to the room it concerns (server-wide ones: to their target). */
export interface ModerationEvent {
  type: 'moderation';
  action: ModerationAction;
  /** Absent for server-wide actions. */
  room?: string;
  target: string;
  by: string;
  until?: number;
  reason?: string;
  ts: number;
}
export interface BanEntry {
  /** Absent for server-wide entries. */
  room?: string;
  kind: 'name' | 'ip' | 'mute';
  target: string;
  until: number | null;
  reason: string | null;
  by: string;
}
export interface BansReply {
  type: 'bans';
  entries: BanEntry[];
}
export interface NoticeFrame {
  type: 'notice';
  text: string;
}
export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  message: string;
  /** The client id of the frame this answers, when it had one. */
  id?: string;
  /** Present when the server closes the connection after this frame. */
  fatal?: true;
}
/**
 * An account's read position in a room ("@": private messages), sent to its
 * sessions when one of them reads on, and after a login's replay with the
 * number of messages after it.
 */
export interface ReadEvent {
  type: 'read';
  room: string;
  msg: number;
  unread?: number;
}
export interface ByeFrame {
  type: 'bye';
  reason: string;
}

export type ServerFrame =
  | WelcomeFrame
  | AckFrame
  | MessageEvent
  | WhoReply
  | JoinEvent
  | LeaveEvent
  | NickEvent
  | RoomsReply
  | HistoryEnd
  | TopicEvent
  | RegisteredReply
  | AccountEvent
  | ModerationEvent
  | BansReply
  | NoticeFrame
  | ErrorFrame
  | ReadEvent
  | PingFrame
  | PongFrame
  | ByeFrame;

export type ServerFrameType = ServerFrame['type'];
