/**
 * Re-keying after an upgrade that changed the key rules (how names fold
 * case and look-alikes): every stored key is recomputed from the display
 * name stored beside it, in one transaction. Without it, a registered
 * `martin` stored under an old key would not be found under the new one,
 * and anyone could take the name as a guest.
 */
import type { KeyRules, RekeyReport } from '../store.ts';
import type { Row, SqliteDatabase } from './database.ts';

const RULES_KEY = 'key_rules';

export function storedKeyRules(db: SqliteDatabase): number | null {
  const row = db.sql('SELECT value FROM meta WHERE key = ?').get(RULES_KEY) as Row | undefined;
  return row ? Number(row.value) : null;
}

/** Old key -> new key for rows of one table, keeping the first row that claims a new key. */
function remap(
  rows: Row[],
  keyColumn: string,
  newKey: (row: Row) => string,
  conflicts: string[],
  label: (row: Row) => string,
): Map<string, string> {
  const taken = new Set(rows.map((r) => r[keyColumn] as string));
  const moved = new Map<string, string>();
  for (const row of rows) {
    const old = row[keyColumn] as string;
    const next = newKey(row);
    if (next === old) continue;
    if (taken.has(next)) {
      conflicts.push(label(row));
      continue;
    }
    taken.delete(old);
    taken.add(next);
    moved.set(old, next);
  }
  return moved;
}

export function rekey(db: SqliteDatabase, rules: KeyRules): RekeyReport | null {
  if (storedKeyRules(db) === rules.version) return null;
  return db.transaction(() => {
    const conflicts: string[] = [];
    const accounts = remap(
      db.sql('SELECT name_key, name FROM accounts ORDER BY created_at').all() as Row[],
      'name_key',
      (r) => rules.name(r.name as string),
      conflicts,
      (r) => `account ${r.name as string}`,
    );
    const rooms = remap(
      db.sql('SELECT key, name FROM rooms ORDER BY created_at').all() as Row[],
      'key',
      (r) => rules.room(r.name as string),
      conflicts,
      (r) => `room ${r.name as string}`,
    );
    const update = (sql: string, pairs: Map<string, string>) => {
      const statement = db.sql(sql);
      for (const [old, next] of pairs) statement.run(next, old);
    };
    update('UPDATE accounts SET name_key = ? WHERE name_key = ?', accounts);
    update('UPDATE OR IGNORE room_operators SET name_key = ? WHERE name_key = ?', accounts);
    update('UPDATE OR IGNORE memberships SET account_key = ? WHERE account_key = ?', accounts);
    update('UPDATE rooms SET founder = ? WHERE founder = ?', accounts);
    update('UPDATE rooms SET key = ? WHERE key = ?', rooms);
    update('UPDATE messages SET room_key = ? WHERE room_key = ?', rooms);
    update('UPDATE OR IGNORE room_operators SET room_key = ? WHERE room_key = ?', rooms);
    update('UPDATE OR IGNORE memberships SET room_key = ? WHERE room_key = ?', rooms);
    update('UPDATE OR IGNORE bans SET scope = ? WHERE scope = ?', rooms);
    update('UPDATE OR IGNORE mutes SET scope = ? WHERE scope = ?', rooms);
    // Guests have no account row: their keys come from the names stored with what they did.
    for (const [keyColumn, nameColumn] of [
      ['from_key', 'from_name'],
      ['to_key', 'to_name'],
    ] as const) {
      const pairs = db
        .sql(
          `SELECT DISTINCT ${keyColumn} AS k, ${nameColumn} AS n FROM messages WHERE ${keyColumn} IS NOT NULL`,
        )
        .all() as Row[];
      const statement = db.sql(
        `UPDATE OR IGNORE messages SET ${keyColumn} = ? WHERE ${keyColumn} = ? AND ${nameColumn} = ?`,
      );
      for (const { k, n } of pairs) {
        const next = rules.name(n as string);
        if (next !== k) statement.run(next, k as string, n as string);
      }
    }
    for (const row of db.sql(`SELECT value, label FROM bans WHERE kind = 'name'`).all() as Row[]) {
      const next = rules.name(row.label as string);
      if (next !== row.value) {
        db.sql(`UPDATE OR IGNORE bans SET value = ? WHERE kind = 'name' AND value = ?`).run(
          next,
          row.value as string,
        );
      }
    }
    for (const row of db.sql('SELECT name_key, label FROM mutes').all() as Row[]) {
      const next = rules.name(row.label as string);
      if (next !== row.name_key) {
        db.sql('UPDATE OR IGNORE mutes SET name_key = ? WHERE name_key = ?').run(
          next,
          row.name_key as string,
        );
      }
    }
    // A token names a holding under its old key; the holders simply log in again.
    db.sql('DELETE FROM resume_tokens').run();
    db.sql(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value',
    ).run(RULES_KEY, String(rules.version));
    return { accounts: accounts.size, rooms: rooms.size, conflicts };
  });
}
