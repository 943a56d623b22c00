/**
 * The default store: one SQLite file through node:sqlite. WAL mode, one
 * writer (this process), a busy timeout, and each batch of messages committed
 * in one transaction, so an acknowledged message is on disk before its ack.
 */
import type {
  AppendResult,
  HistoryQuery,
  Identity,
  KeyRules,
  Membership,
  NewMessage,
  ReadPosition,
  RekeyReport,
  RetentionPolicy,
  Store,
  StoredMessage,
  StoredRoom,
} from '../store.ts';
import { SqliteDatabase, type DatabaseOptions, type Row } from './database.ts';
import { SqliteMemberships } from './sqlite-memberships.ts';
import { rekey } from './sqlite-rekey.ts';
import { SqliteAccounts } from './sqlite-moderation.ts';

export type SqliteStoreOptions = DatabaseOptions;

type TokenWrite =
  | { tokenHash: string; identity: Identity; expiresAt: number; revoke?: undefined }
  | { revoke: string; except: string | null };

function toMessage(row: Row): StoredMessage {
  return {
    id: Number(row.id),
    ts: Number(row.ts),
    roomKey: (row.room_key as string | null) ?? null,
    roomName: (row.room_name as string | null) ?? null,
    fromKey: row.from_key as string,
    fromName: row.from_name as string,
    toKey: (row.to_key as string | null) ?? null,
    toName: (row.to_name as string | null) ?? null,
    kind: row.kind as StoredMessage['kind'],
    text: row.text as string,
    clientId: row.client_id as string,
    senderScope: row.sender_scope as string,
  };
}

function toRoom(row: Row): StoredRoom {
  return {
    key: row.key as string,
    name: row.name as string,
    topic: (row.topic as string | null) ?? null,
    createdAt: Number(row.created_at),
    founder: (row.founder as string | null) ?? null,
  };
}

export class SqliteStore implements Store {
  readonly file: string;
  readonly #db: SqliteDatabase;
  readonly accounts: SqliteAccounts;
  readonly moderation: SqliteAccounts;
  readonly #memberships: SqliteMemberships;
  /** Token saves and revocations of this turn, applied in order in one transaction. */
  #tokenWrites: TokenWrite[] = [];
  #tokenWaiters: { resolve(): void; reject(error: unknown): void }[] = [];

  constructor(file: string, options: DatabaseOptions = {}) {
    this.file = file;
    this.#db = new SqliteDatabase(file, options);
    this.accounts = this.moderation = new SqliteAccounts(this.#db);
    this.#memberships = new SqliteMemberships(this.#db);
  }

  /** The schema version after migrations. */
  get schemaVersion(): number {
    return this.#db.schemaVersion;
  }

  #sql(sql: string) {
    return this.#db.sql(sql);
  }

  #transaction<T>(work: () => T): T {
    return this.#db.transaction(work);
  }

  async appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    if (batch.length === 0) return [];
    const findExisting = this.#sql(
      'SELECT * FROM messages WHERE from_key = ? AND sender_scope = ? AND client_id = ?',
    );
    const insert = this.#sql(
      `INSERT INTO messages (ts, room_key, room_name, from_key, from_name, to_key, to_name, kind, text, client_id, sender_scope)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
    return this.#transaction(() =>
      batch.map((m): AppendResult => {
        const existing = findExisting.get(m.fromKey, m.senderScope, m.clientId) as Row | undefined;
        if (existing) return { message: toMessage(existing), duplicate: true };
        const row = insert.get(
          m.ts,
          m.roomKey,
          m.roomName,
          m.fromKey,
          m.fromName,
          m.toKey,
          m.toName,
          m.kind,
          m.text,
          m.clientId,
          m.senderScope,
        ) as Row;
        return { message: { ...m, id: Number(row.id) }, duplicate: false };
      }),
    );
  }

  async roomHistory(roomKey: string, query: HistoryQuery): Promise<StoredMessage[]> {
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    if (query.after !== undefined) {
      const rows = this.#sql(
        `SELECT * FROM messages WHERE room_key = ? AND id > ? AND id < ? ORDER BY id ASC LIMIT ?`,
      ).all(roomKey, query.after, before, query.limit) as Row[];
      return rows.map(toMessage);
    }
    const rows = this.#sql(
      `SELECT * FROM messages WHERE room_key = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    ).all(roomKey, before, query.limit) as Row[];
    return rows.reverse().map(toMessage);
  }

  async privateHistory(
    userKey: string,
    peerKey: string | null,
    since: number,
    query: HistoryQuery,
  ): Promise<StoredMessage[]> {
    const after = query.after ?? 0;
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    // Both directions, through the two partial indexes.
    const sql = `
      SELECT * FROM (
        SELECT * FROM messages WHERE room_key IS NULL AND from_key = :me
          AND (:peer IS NULL OR to_key = :peer) AND id > :after AND id < :before AND ts >= :since
        UNION ALL
        SELECT * FROM messages WHERE room_key IS NULL AND to_key = :me AND from_key <> :me
          AND (:peer IS NULL OR from_key = :peer) AND id > :after AND id < :before AND ts >= :since
      ) ORDER BY id ${query.after !== undefined ? 'ASC' : 'DESC'} LIMIT :limit`;
    const rows = this.#sql(sql).all({
      me: userKey,
      peer: peerKey,
      after,
      before,
      since,
      limit: query.limit,
    }) as Row[];
    if (query.after === undefined) rows.reverse();
    return rows.map(toMessage);
  }

  async countRoomMessages(roomKey: string, after: number, cap: number): Promise<number> {
    const row = this.#sql(
      'SELECT count(*) AS n FROM (SELECT 1 FROM messages WHERE room_key = ? AND id > ? LIMIT ?)',
    ).get(roomKey, after, cap) as Row;
    return Number(row.n);
  }

  async countPrivateMessages(
    userKey: string,
    since: number,
    after: number,
    cap: number,
  ): Promise<number> {
    const row = this.#sql(
      `SELECT count(*) AS n FROM (SELECT 1 FROM messages WHERE room_key IS NULL AND to_key = ?
         AND from_key <> ? AND id > ? AND ts >= ? LIMIT ?)`,
    ).get(userKey, userKey, after, since, cap) as Row;
    return Number(row.n);
  }

  async ensureRoom(
    room: Omit<StoredRoom, 'topic' | 'founder'> & { founder?: string | null },
  ): Promise<StoredRoom> {
    this.#sql(
      'INSERT INTO rooms (key, name, created_at, founder) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(room.key, room.name, room.createdAt, room.founder ?? null);
    return toRoom(this.#sql('SELECT * FROM rooms WHERE key = ?').get(room.key) as Row);
  }

  async getRoom(key: string): Promise<StoredRoom | undefined> {
    const row = this.#sql('SELECT * FROM rooms WHERE key = ?').get(key) as Row | undefined;
    return row ? toRoom(row) : undefined;
  }

  async listRooms(): Promise<StoredRoom[]> {
    return (this.#sql('SELECT * FROM rooms ORDER BY key').all() as Row[]).map(toRoom);
  }

  async setTopic(key: string, topic: string | null): Promise<void> {
    this.#sql('UPDATE rooms SET topic = ? WHERE key = ?').run(topic, key);
  }

  async forgetRoom(key: string): Promise<boolean> {
    return this.#transaction(() => {
      const forgotten = this.#sql(
        `DELETE FROM rooms WHERE key = :key AND founder IS NULL
           AND NOT EXISTS (SELECT 1 FROM messages WHERE room_key = :key)
           AND NOT EXISTS (SELECT 1 FROM memberships WHERE room_key = :key)`,
      ).run({ key }).changes;
      if (Number(forgotten) === 0) return false;
      this.#sql('DELETE FROM room_operators WHERE room_key = ?').run(key);
      return true;
    });
  }

  async listMemberships(accountKey: string): Promise<Membership[]> {
    return this.#memberships.list(accountKey);
  }

  async addMembership(accountKey: string, membership: Membership, now: number): Promise<void> {
    this.#memberships.add(accountKey, membership, now);
  }

  async removeMembership(accountKey: string, roomKey: string): Promise<void> {
    this.#memberships.remove(accountKey, roomKey);
  }

  async readMarker(accountKey: string, roomKey: string): Promise<number> {
    return this.#memberships.readMarker(accountKey, roomKey);
  }

  async advanceReadMarkers(markers: readonly ReadPosition[], now: number): Promise<void> {
    if (markers.length === 0) return;
    this.#transaction(() => {
      for (const m of markers) this.#memberships.advance(m.accountKey, m.roomKey, m.msg, now);
    });
  }

  /**
   * Token writes arriving in the same turn share one transaction (and one
   * fsync): a burst of logins must not cost a disk flush each.
   */
  saveResumeToken(tokenHash: string, identity: Identity, expiresAt: number): Promise<void> {
    return this.#queueToken({ tokenHash, identity, expiresAt });
  }

  #queueToken(write: TokenWrite): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#tokenWrites.push(write);
      this.#tokenWaiters.push({ resolve, reject });
      if (this.#tokenWrites.length === 1) setImmediate(() => this.#flushTokens());
    });
  }

  #flushTokens(): void {
    const batch = this.#tokenWrites.splice(0);
    const waiters = this.#tokenWaiters.splice(0);
    if (batch.length === 0 || !this.#db.isOpen) return;
    const upsert = this.#sql(
      `INSERT INTO resume_tokens (token_hash, name_key, since, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (token_hash) DO UPDATE SET
         name_key = excluded.name_key, since = excluded.since, expires_at = excluded.expires_at`,
    );
    const revoke = this.#sql(
      'DELETE FROM resume_tokens WHERE name_key = ? AND token_hash IS NOT ?',
    );
    try {
      this.#transaction(() => {
        for (const w of batch) {
          if (w.revoke !== undefined) revoke.run(w.revoke, w.except);
          else upsert.run(w.tokenHash, w.identity.nameKey, w.identity.since, w.expiresAt);
        }
      });
      for (const w of waiters) w.resolve();
    } catch (error) {
      for (const w of waiters) w.reject(error);
    }
  }

  async findResumeToken(tokenHash: string, now: number): Promise<Identity | undefined> {
    const row = this.#sql(
      'SELECT name_key, since FROM resume_tokens WHERE token_hash = ? AND expires_at > ?',
    ).get(tokenHash, now) as Row | undefined;
    return row ? { nameKey: row.name_key as string, since: Number(row.since) } : undefined;
  }

  /**
   * Queued behind the token writes of this turn, in the same transaction: a
   * burst of new guests must not cost a disk flush each, and a token saved
   * before the revocation does not outlive it.
   */
  revokeResumeTokens(nameKey: string, exceptTokenHash: string | null): Promise<void> {
    return this.#queueToken({ revoke: nameKey, except: exceptTokenHash });
  }

  async enforceRetention(policy: RetentionPolicy, now: number, maxRows: number): Promise<number> {
    let deleted = 0;
    if (policy.maxAgeMs > 0) {
      deleted += Number(
        this.#sql(
          'DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE ts < ? ORDER BY ts LIMIT ?)',
        ).run(now - policy.maxAgeMs, maxRows).changes,
      );
    }
    if (policy.maxPerRoom > 0 && deleted < maxRows) {
      const crowded = this.#sql(
        `SELECT room_key FROM messages WHERE room_key IS NOT NULL
         GROUP BY room_key HAVING count(*) > ?`,
      ).all(policy.maxPerRoom) as Row[];
      for (const { room_key: roomKey } of crowded) {
        if (deleted >= maxRows) break;
        // The oldest id that stays: the maxPerRoom-th newest.
        deleted += Number(
          this.#sql(
            `DELETE FROM messages WHERE id IN (
               SELECT id FROM messages WHERE room_key = :room AND id < (
                 SELECT id FROM messages WHERE room_key = :room ORDER BY id DESC LIMIT 1 OFFSET :keep - 1)
               ORDER BY id LIMIT :max)`,
          ).run({ room: roomKey as string, keep: policy.maxPerRoom, max: maxRows - deleted })
            .changes,
        );
      }
    }
    this.#sql('DELETE FROM resume_tokens WHERE expires_at <= ?').run(now);
    return deleted;
  }

  async rekey(rules: KeyRules): Promise<RekeyReport | null> {
    this.#flushTokens();
    return rekey(this.#db, rules);
  }

  /** Readiness: the file is open and answers a query. */
  async ping(): Promise<void> {
    this.#sql('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.#flushTokens();
    this.#db.close();
  }
}
