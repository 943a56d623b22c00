/**
 * Default limits (ARCHITECTURE.md, "Limits"). Every one can be overridden by a
 * flag and a config key; docs/operations.md lists them.
 */
export interface Limits {
  /** Longest line or frame in bytes, newline excluded. Longer disconnects with `too_long`. */
  maxLineBytes: number;
  /** Longest message text in UTF-8 bytes, after sanitising. */
  maxMessageBytes: number;
  /** Milliseconds from TCP accept to a completed login before the connection is closed. */
  loginTimeoutMs: number;
  /** Milliseconds of silence from a client before the server sends a ping. */
  idlePingMs: number;
  /** Milliseconds of silence from a native client before the server closes the connection. */
  idleCloseMs: number;
  /**
   * Milliseconds without a line from a text-mode client before it is closed
   * (text clients cannot answer pings; any line counts, an empty one too).
   */
  idleCloseTextMs: number;
  /** Outgoing bytes queued for one client at which the server stops reading from it. */
  outQueueSoftBytes: number;
  /** Outgoing bytes queued for one client at which it is disconnected. */
  outQueueHardBytes: number;
  /** Deepest JSON nesting accepted in a native frame. */
  maxJsonDepth: number;
  /** Messages replayed when joining a room. */
  historyOnJoin: number;
  /** Most messages one history request (or one resume, per room) returns. */
  historyMax: number;
  /** Most rooms one user can be in at once. */
  maxRoomsPerUser: number;
  /** Milliseconds a client may stay over the soft queue limit before it is disconnected. */
  outQueueStallMs: number;
  /** Flood control: frames at once, then frames per second, then frames held for pacing. */
  floodBurst: number;
  floodPerSecond: number;
  floodQueue: number;
  /** Refused frames (or malformed lines) tolerated in a burst before disconnecting. */
  floodStrikes: number;
  /** Before login: hello frames / text-mode name lines handled at once, then per minute. */
  loginBurst: number;
  loginPerMinute: number;
  /** Password hashes (128 MiB each at the default cost) running at once, server-wide; 0: sized to memory. */
  maxPasswordHashes: number;
  /** Password checks waiting for a hash slot before further ones are refused with `busy`. */
  passwordHashQueue: number;
  /** Concurrent connections from one address (IPv4 /32, IPv6 /64). */
  maxConnectionsPerAddress: number;
  /** New connections from one address per `newConnectionsWindowMs`. */
  newConnectionsPerWindow: number;
  newConnectionsWindowMs: number;
  /** Concurrent connections in all. */
  maxConnections: number;
  /** Sessions (devices) one account may have logged in at once. Guests always have one. */
  maxSessionsPerAccount: number;
  /** Milliseconds an unregistered room with no members and no history is kept before it is forgotten. */
  roomForgetMs: number;
  /** Rooms the server keeps in all; creating more is refused with `too_many_rooms`. */
  maxRooms: number;
  /** Rooms one address (IPv4 /32, IPv6 /64) may create per `roomCreationWindowMs` (a bucket: that many at once, refilled over the window). */
  roomCreationsPerAddress: number;
  /** Rooms one name may create per `roomCreationWindowMs`. */
  roomCreationsPerName: number;
  roomCreationWindowMs: number;
  /** Flood tokens creating a room costs on top of the join's own (at most floodBurst - 1). */
  roomCreationCost: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxLineBytes: 16 * 1024,
  maxMessageBytes: 4 * 1024,
  loginTimeoutMs: 30_000,
  idlePingMs: 90_000,
  idleCloseMs: 150_000,
  idleCloseTextMs: 30 * 60_000,
  outQueueSoftBytes: 64 * 1024,
  outQueueHardBytes: 1024 * 1024,
  maxJsonDepth: 8,
  historyOnJoin: 50,
  historyMax: 1000,
  maxRoomsPerUser: 50,
  outQueueStallMs: 30_000,
  floodBurst: 10,
  floodPerSecond: 2,
  floodQueue: 10,
  floodStrikes: 100,
  loginBurst: 5,
  loginPerMinute: 30,
  maxPasswordHashes: 0,
  passwordHashQueue: 16,
  maxConnectionsPerAddress: 16,
  newConnectionsPerWindow: 30,
  newConnectionsWindowMs: 60_000,
  maxConnections: 20_000,
  maxSessionsPerAccount: 8,
  roomForgetMs: 86_400_000,
  maxRooms: 10_000,
  roomCreationsPerAddress: 20,
  roomCreationsPerName: 10,
  roomCreationWindowMs: 3_600_000,
  roomCreationCost: 4,
});

/** The longest ban or mute: ten years. Longer is refused rather than overflowing a date. */
export const MAX_MODERATION_MS = 10 * 365 * 86_400_000;

/** Addresses exempt from the per-address connection caps by default. */
export const DEFAULT_EXEMPT = ['127.0.0.0/8', '::1/128'] as const;

export const NAME_MAX_CHARS = 32;
export const ROOM_NAME_MAX_CHARS = 64;
export const DEFAULT_ROOM = '#lobby';

/** Rooms in one `rooms` reply: by default, and at most (a reply also stops at a byte budget). */
export const ROOMS_PAGE_DEFAULT = 100;
export const ROOMS_PAGE_MAX = 500;
