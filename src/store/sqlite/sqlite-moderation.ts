/** Accounts, bans, mutes and room operators in SQLite. */
import type {
  Account,
  AccountStore,
  Ban,
  ModerationStore,
  Mute,
  RoomOperator,
  Scope,
} from '../moderation.ts';
import type { Row, SqliteDatabase } from './database.ts';

const nullableNumber = (v: unknown): number | null =>
  v === null || v === undefined ? null : Number(v);

function toAccount(row: Row): Account {
  return {
    nameKey: row.name_key as string,
    name: row.name as string,
    passwordHash: row.password_hash as string,
    createdAt: Number(row.created_at),
    locked: Number(row.locked ?? 0) === 1,
  };
}

export class SqliteAccounts implements AccountStore, ModerationStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async getAccount(nameKey: string): Promise<Account | undefined> {
    const row = this.#db.sql('SELECT * FROM accounts WHERE name_key = ?').get(nameKey) as
      Row | undefined;
    return row ? toAccount(row) : undefined;
  }

  async listAccounts(): Promise<Account[]> {
    return (this.#db.sql('SELECT * FROM accounts ORDER BY name_key').all() as Row[]).map(toAccount);
  }

  /**
   * Deletes the account with what follows it — rooms and read positions,
   * resume tokens, room-operator grants — so whoever registers the name next
   * inherits none of it. Messages stay: they are the rooms' history.
   */
  async deleteAccount(nameKey: string): Promise<boolean> {
    return this.#db.transaction(() => {
      const result = this.#db.sql('DELETE FROM accounts WHERE name_key = ?').run(nameKey);
      if (Number(result.changes) === 0) return false;
      this.#db.sql('DELETE FROM memberships WHERE account_key = ?').run(nameKey);
      this.#db.sql('DELETE FROM resume_tokens WHERE name_key = ?').run(nameKey);
      this.#db.sql('DELETE FROM room_operators WHERE name_key = ?').run(nameKey);
      return true;
    });
  }

  async setLocked(nameKey: string, locked: boolean): Promise<boolean> {
    const result = this.#db
      .sql('UPDATE accounts SET locked = ? WHERE name_key = ?')
      .run(locked ? 1 : 0, nameKey);
    return Number(result.changes) > 0;
  }

  async createAccount(account: Account): Promise<boolean> {
    const result = this.#db
      .sql(
        `INSERT INTO accounts (name_key, name, password_hash, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      )
      .run(account.nameKey, account.name, account.passwordHash, account.createdAt);
    return Number(result.changes) === 1;
  }

  async setPassword(nameKey: string, passwordHash: string): Promise<void> {
    this.#db
      .sql('UPDATE accounts SET password_hash = ? WHERE name_key = ?')
      .run(passwordHash, nameKey);
  }

  async addBan(ban: Ban): Promise<void> {
    this.#db
      .sql(
        `INSERT OR REPLACE INTO bans (scope, kind, value, label, until, reason, by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(ban.scope, ban.kind, ban.value, ban.label, ban.until, ban.reason, ban.by, ban.createdAt);
  }

  async removeBan(scope: Scope, kind: Ban['kind'], value: string): Promise<boolean> {
    const result = this.#db
      .sql('DELETE FROM bans WHERE scope = ? AND kind = ? AND value = ?')
      .run(scope, kind, value);
    return Number(result.changes) > 0;
  }

  async listBans(now: number): Promise<Ban[]> {
    const rows = this.#db
      .sql('SELECT * FROM bans WHERE until IS NULL OR until > ? ORDER BY created_at')
      .all(now) as Row[];
    return rows.map((row) => ({
      scope: row.scope as string,
      kind: row.kind as Ban['kind'],
      value: row.value as string,
      label: row.label as string,
      until: nullableNumber(row.until),
      reason: (row.reason as string | null) ?? null,
      by: row.by as string,
      createdAt: Number(row.created_at),
    }));
  }

  async addMute(mute: Mute): Promise<void> {
    this.#db
      .sql(
        `INSERT OR REPLACE INTO mutes (scope, name_key, label, until, reason, by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(mute.scope, mute.nameKey, mute.label, mute.until, mute.reason, mute.by, mute.createdAt);
  }

  async removeMute(scope: Scope, nameKey: string): Promise<boolean> {
    const result = this.#db
      .sql('DELETE FROM mutes WHERE scope = ? AND name_key = ?')
      .run(scope, nameKey);
    return Number(result.changes) > 0;
  }

  async listMutes(now: number): Promise<Mute[]> {
    const rows = this.#db
      .sql('SELECT * FROM mutes WHERE until IS NULL OR until > ? ORDER BY created_at')
      .all(now) as Row[];
    return rows.map((row) => ({
      scope: row.scope as string,
      nameKey: row.name_key as string,
      label: row.label as string,
      until: nullableNumber(row.until),
      reason: (row.reason as string | null) ?? null,
      by: row.by as string,
      createdAt: Number(row.created_at),
    }));
  }

  async addRoomOperator(op: RoomOperator): Promise<void> {
    this.#db
      .sql('INSERT OR IGNORE INTO room_operators (room_key, name_key, granted_by) VALUES (?, ?, ?)')
      .run(op.roomKey, op.nameKey, op.grantedBy);
  }

  async removeRoomOperator(roomKey: string, nameKey: string): Promise<boolean> {
    const result = this.#db
      .sql('DELETE FROM room_operators WHERE room_key = ? AND name_key = ?')
      .run(roomKey, nameKey);
    return Number(result.changes) > 0;
  }

  async listRoomOperators(): Promise<RoomOperator[]> {
    const rows = this.#db.sql('SELECT * FROM room_operators').all() as Row[];
    return rows.map((row) => ({
      roomKey: row.room_key as string,
      nameKey: row.name_key as string,
      grantedBy: row.granted_by as string,
    }));
  }
}
