/** The rooms each account is in, and how far it has read in each, in SQLite. */
import { PRIVATE_MARKER, type Membership } from '../store.ts';
import type { Row, SqliteDatabase } from './database.ts';

export class SqliteMemberships {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  list(accountKey: string): Membership[] {
    const rows = this.#db
      .sql(
        `SELECT room_key, room_name, last_read FROM memberships
         WHERE account_key = ? AND room_key <> ? ORDER BY joined_at, room_key`,
      )
      .all(accountKey, PRIVATE_MARKER) as Row[];
    return rows.map((row) => ({
      roomKey: row.room_key as string,
      roomName: row.room_name as string,
      lastRead: Number(row.last_read),
    }));
  }

  add(accountKey: string, membership: Membership, now: number): void {
    this.#db
      .sql(
        `INSERT INTO memberships (account_key, room_key, room_name, last_read, joined_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(accountKey, membership.roomKey, membership.roomName, membership.lastRead, now);
  }

  remove(accountKey: string, roomKey: string): void {
    this.#db
      .sql('DELETE FROM memberships WHERE account_key = ? AND room_key = ?')
      .run(accountKey, roomKey);
  }

  readMarker(accountKey: string, roomKey: string): number {
    const row = this.#db
      .sql('SELECT last_read FROM memberships WHERE account_key = ? AND room_key = ?')
      .get(accountKey, roomKey) as Row | undefined;
    return row ? Number(row.last_read) : 0;
  }

  advance(accountKey: string, roomKey: string, msg: number, now: number): void {
    // The private marker has no room to join, so it is created on first use.
    this.#db
      .sql(
        `INSERT INTO memberships (account_key, room_key, room_name, last_read, joined_at)
         SELECT :account, :room, :room, :msg, :now WHERE :room = :private
         ON CONFLICT DO UPDATE SET last_read = max(last_read, excluded.last_read)`,
      )
      .run({ account: accountKey, room: roomKey, msg, now, private: PRIVATE_MARKER });
    this.#db
      .sql(
        `UPDATE memberships SET last_read = max(last_read, ?) WHERE account_key = ? AND room_key = ?`,
      )
      .run(msg, accountKey, roomKey);
  }
}
