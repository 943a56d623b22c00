/**
 * One SQLite connection with what every part of the store needs: WAL, the
 * durability setting, a busy timeout, forward-only migrations, cached
 * prepared statements and transactions.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { MIGRATIONS } from './migrations.ts';

export type Row = Record<string, unknown>;

export interface DatabaseOptions {
  /** `full` (default) survives power loss; `normal` survives process crashes only. */
  synchronous?: 'full' | 'normal';
  busyTimeoutMs?: number;
}

export class SqliteDatabase {
  readonly file: string;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(file: string, options: DatabaseOptions = {}) {
    this.file = file;
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.#db = new DatabaseSync(file, { timeout: options.busyTimeoutMs ?? 5_000 });
    try {
      // Refuse a newer schema before touching the file (journal mode included).
      this.#refuseNewerSchema();
      this.#db.exec('PRAGMA journal_mode = WAL');
      this.#db.exec(`PRAGMA synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      this.#db.exec('PRAGMA foreign_keys = ON');
      this.#migrate();
    } catch (error) {
      this.#db.close(); // a refused or broken file must not stay open
      throw error;
    }
  }

  get schemaVersion(): number {
    return Number((this.#db.prepare('PRAGMA user_version').get() as Row).user_version);
  }

  get isOpen(): boolean {
    return this.#db.isOpen;
  }

  #refuseNewerSchema(): void {
    const current = this.schemaVersion;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `${this.file} has schema version ${current}, newer than this natter knows (${MIGRATIONS.length})`,
      );
    }
  }

  #migrate(): void {
    for (let version = this.schemaVersion; version < MIGRATIONS.length; version++) {
      this.transaction(() => {
        this.#db.exec(MIGRATIONS[version]!);
        this.#db.exec(`PRAGMA user_version = ${version + 1}`);
      });
    }
  }

  /** A prepared statement, prepared once per SQL text. */
  sql(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
