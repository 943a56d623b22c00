/**
 * Native protocol v1: the frames a server sends (docs/protocol.md, "Server →
 * client frames"). Re-exported by frames.ts, with the client's frames.
 */
import type { ErrorCode } from './errors.ts';
import type { PingFrame, PongFrame } from './frames.ts';

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
