/**
 * `natter backup FILE`: a consistent copy of the server's SQLite database,
 * taken while it runs (store/sqlite/backup.ts). Restoring is a file copy
 * with the server stopped; docs/operations.md says how.
 */
import path from 'node:path';
import { DATABASE_FILE } from '../server/server.ts';
import { BackupError, backupDatabase } from '../store/sqlite/backup.ts';
import {
  formatOptionsHelp,
  parseOptions,
  UsageError,
  type OptionSpec,
  DATA_DIR_OPTION,
  HELP_OPTION,
} from './options.ts';

const OPTIONS: readonly OptionSpec[] = [DATA_DIR_OPTION, HELP_OPTION];

const USAGE = `usage: natter backup FILE [--data-dir DIR]

Copies <data-dir>/natter.db to FILE while the server runs: every message
acknowledged before the backup started is in the copy. FILE must not exist.

${formatOptionsHelp(OPTIONS)}
`;

export async function backup(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [target, extra] = positionals;
  if (!target || extra !== undefined) throw new UsageError(USAGE);
  const source = path.join(values['data-dir'] as string, DATABASE_FILE);
  try {
    const s = backupDatabase(source, target);
    process.stdout.write(
      `backup ${s.file}: ${s.messages} messages (last id ${s.lastMessageId}), ${s.rooms} rooms, ` +
        `${s.accounts} accounts, ${s.bytes} bytes; integrity ok\n` +
        `restore: stop the server, then copy it to ${source} and remove ${source}-wal and ${source}-shm\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof BackupError) {
      process.stderr.write(`natter backup: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
