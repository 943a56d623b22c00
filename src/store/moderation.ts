/**
 * Accounts and moderation: the parts of the store behind name ownership,
 * roles, bans and mutes. Part of the Store; a PostgreSQL store implements
 * the same shapes.
 */

export interface Account {
  nameKey: string;
  name: string;
  /** `scrypt$N$r$p$salt$hash`; never logged, never sent. */
  passwordHash: string;
  createdAt: number;
  /** Set by an operator (natter admin accounts lock): the account cannot log in. */
  locked?: boolean;
}

/** `*` is the whole server; otherwise a room key. */
export type Scope = string;
export const SERVER_SCOPE: Scope = '*';

export interface Ban {
  scope: Scope;
  kind: 'name' | 'ip';
  /** A name key, or an address / CIDR block. */
  value: string;
  /** Shown in lists: the name as typed, or the address. */
  label: string;
  /** Milliseconds since the epoch; null: until lifted. */
  until: number | null;
  reason: string | null;
  by: string;
  createdAt: number;
}

export interface Mute {
  scope: Scope;
  nameKey: string;
  label: string;
  until: number | null;
  reason: string | null;
  by: string;
  createdAt: number;
}

export interface RoomOperator {
  roomKey: string;
  nameKey: string;
  grantedBy: string;
}

export interface AccountStore {
  getAccount(nameKey: string): Promise<Account | undefined>;
  /** False when the name is already registered. */
  createAccount(account: Account): Promise<boolean>;
  setPassword(nameKey: string, passwordHash: string): Promise<void>;
  /** Every account, by name key; for operators (natter admin accounts list). */
  listAccounts(): Promise<Account[]>;
  /** False when there was no such account. */
  deleteAccount(nameKey: string): Promise<boolean>;
  /** False when there was no such account. */
  setLocked(nameKey: string, locked: boolean): Promise<boolean>;
}

export interface ModerationStore {
  /** Replaces any ban with the same scope, kind and value. */
  addBan(ban: Ban): Promise<void>;
  /** True when there was such a ban. */
  removeBan(scope: Scope, kind: Ban['kind'], value: string): Promise<boolean>;
  listBans(now: number): Promise<Ban[]>;
  addMute(mute: Mute): Promise<void>;
  removeMute(scope: Scope, nameKey: string): Promise<boolean>;
  listMutes(now: number): Promise<Mute[]>;
  addRoomOperator(op: RoomOperator): Promise<void>;
  removeRoomOperator(roomKey: string, nameKey: string): Promise<boolean>;
  listRoomOperators(): Promise<RoomOperator[]>;
}
