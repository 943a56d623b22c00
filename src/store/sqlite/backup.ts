/**
 * An online backup of the SQLite store: `VACUUM INTO` runs in one read
 * transaction, so the copy is the database as of one instant — every
 * message committed (and so acknowledged) before it started, nothing half
 * written — while the server keeps writing (WAL: readers never block the
 * writer). The copy is written beside the target, checked, synced, and only
 * then renamed into place.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export interface BackupSummary {
  file: string;
  messages: number;
  lastMessageId: number;
  rooms: number;
  accounts: number;
  bytes: number;
}

export class BackupError extends Error {}

function count(db: DatabaseSync, sql: string): number {
  return Number(Object.values(db.prepare(sql).get() ?? {})[0] ?? 0);
}

export function backupDatabase(source: string, target: string): BackupSummary {
  if (!existsSync(source)) {
    throw new BackupError(`no database at ${source}: is --data-dir the server's data directory?`);
  }
  if (existsSync(target)) {
    throw new BackupError(
      `${target} exists already; give a new file name (a backup never overwrites)`,
    );
  }
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.partial`,
  );
  rmSync(temporary, { force: true });
  const db = new DatabaseSync(source, { timeout: 10_000 });
  try {
    db.prepare('VACUUM INTO ?').run(temporary);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new BackupError(`backup of ${source} failed: ${(error as Error).message}`);
  } finally {
    db.close();
  }
  let summary: BackupSummary;
  const copy = new DatabaseSync(temporary, { readOnly: true });
  try {
    const check = copy.prepare('PRAGMA integrity_check').get() as Record<string, unknown>;
    if (Object.values(check)[0] !== 'ok') {
      throw new BackupError(`the copy failed its integrity check: ${JSON.stringify(check)}`);
    }
    summary = {
      file: target,
      messages: count(copy, 'SELECT count(*) FROM messages'),
      lastMessageId: count(copy, 'SELECT coalesce(max(id), 0) FROM messages'),
      rooms: count(copy, 'SELECT count(*) FROM rooms'),
      accounts: count(copy, 'SELECT count(*) FROM accounts'),
      bytes: count(copy, 'SELECT page_count * page_size FROM pragma_page_count, pragma_page_size'),
    };
  } catch (error) {
    copy.close();
    rmSync(temporary, { force: true });
    throw error;
  }
  copy.close();
  const fd = openSync(temporary, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, target);
  return summary;
}
