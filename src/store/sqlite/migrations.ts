/**
 * Forward-only schema migrations, applied in order at start-up. The schema
 * version is SQLite's `user_version`. Never edit a released migration; add one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: rooms, messages, resume tokens
  `
  CREATE TABLE rooms (
    key        TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    topic      TEXT,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE messages (
    id        INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: ids are never reused after deletes
    ts        INTEGER NOT NULL,
    room_key  TEXT,                              -- NULL for private messages
    room_name TEXT,
    from_key  TEXT NOT NULL,
    from_name TEXT NOT NULL,
    to_key    TEXT,
    to_name   TEXT,
    kind      TEXT NOT NULL CHECK (kind IN ('say', 'me')),
    text      TEXT NOT NULL,
    client_id TEXT NOT NULL
  ) STRICT;

  CREATE UNIQUE INDEX messages_by_client_id ON messages (from_key, client_id);
  CREATE INDEX messages_by_room ON messages (room_key, id) WHERE room_key IS NOT NULL;
  CREATE INDEX messages_private_from ON messages (from_key, id) WHERE room_key IS NULL;
  CREATE INDEX messages_private_to ON messages (to_key, id) WHERE room_key IS NULL;
  CREATE INDEX messages_by_ts ON messages (ts);

  CREATE TABLE resume_tokens (
    token_hash TEXT PRIMARY KEY,
    name_key   TEXT NOT NULL,
    since      INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;
  `,
  // 2: accounts, bans, mutes, room operators
  `
  CREATE TABLE accounts (
    name_key      TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE bans (
    scope      TEXT NOT NULL,            -- '*' for the whole server, else a room key
    kind       TEXT NOT NULL CHECK (kind IN ('name', 'ip')),
    value      TEXT NOT NULL,            -- name key, or address / CIDR block
    label      TEXT NOT NULL,
    until      INTEGER,                  -- NULL: until lifted
    reason     TEXT,
    by         TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, kind, value)
  ) STRICT;

  CREATE TABLE mutes (
    scope      TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    label      TEXT NOT NULL,
    until      INTEGER,
    reason     TEXT,
    by         TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, name_key)
  ) STRICT;

  CREATE TABLE room_operators (
    room_key   TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    PRIMARY KEY (room_key, name_key)
  ) STRICT;
  `,
  // 3: accounts as the unit — memberships with read positions, room founders,
  // and duplicate detection per holding of a name rather than per name forever.
  `
  CREATE TABLE memberships (
    account_key TEXT NOT NULL,
    room_key    TEXT NOT NULL,   -- '@' holds the read position of private messages
    room_name   TEXT NOT NULL,
    last_read   INTEGER NOT NULL DEFAULT 0,
    joined_at   INTEGER NOT NULL,
    PRIMARY KEY (account_key, room_key)
  ) STRICT;
  CREATE INDEX memberships_by_room ON memberships (room_key);

  ALTER TABLE rooms ADD COLUMN founder TEXT;  -- the account that registered the room

  ALTER TABLE messages ADD COLUMN sender_scope TEXT NOT NULL DEFAULT '';
  DROP INDEX messages_by_client_id;
  CREATE UNIQUE INDEX messages_by_client_id ON messages (from_key, sender_scope, client_id);

  CREATE INDEX resume_tokens_by_name ON resume_tokens (name_key);
  `,
  // 4: facts about the data itself, e.g. which rules made its name keys
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;
  `,
  // 5: accounts an operator locked (natter admin accounts lock)
  `
  ALTER TABLE accounts ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;
  `,
];
