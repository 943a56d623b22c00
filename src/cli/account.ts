/**
 * `natter account create NAME` / `natter account password NAME`: manage
 * accounts in a data directory's database from the shell — the way to give
 * people names on a --registered-only server. The password is read from
 * stdin (one line), so it never appears in a process list or shell history.
 */
import path from 'node:path';
import { createInterface } from 'node:readline';
import { checkName } from '../core/names.ts';
import { hashPassword, passwordProblem } from '../server/passwords.ts';
import { DATABASE_FILE } from '../server/server.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import {
  formatOptionsHelp,
  parseOptions,
  UsageError,
  type OptionSpec,
  DATA_DIR_OPTION,
  HELP_OPTION,
} from './options.ts';

const OPTIONS: readonly OptionSpec[] = [DATA_DIR_OPTION, HELP_OPTION];

const USAGE = `usage: natter account create NAME [--data-dir DIR]    (password on stdin)
       natter account password NAME [--data-dir DIR]  (new password on stdin)

${formatOptionsHelp(OPTIONS)}
`;

async function readPassword(prompt: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(prompt);
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  throw new UsageError('no password on stdin');
}

export async function account(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  const [action, name] = positionals;
  if (values.help || !action) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if ((action !== 'create' && action !== 'password') || !name) throw new UsageError(USAGE);
  const checked = checkName(name);
  if (!checked.ok) throw new UsageError(checked.reason);
  const password = await readPassword(`password for ${checked.display}: `);
  const problem = passwordProblem(password);
  if (problem) throw new UsageError(problem);
  const store = new SqliteStore(path.join(values['data-dir'] as string, DATABASE_FILE));
  try {
    const passwordHash = await hashPassword(password);
    if (action === 'create') {
      const created = await store.accounts.createAccount({
        nameKey: checked.key,
        name: checked.display,
        passwordHash,
        createdAt: Date.now(),
      });
      if (!created) throw new UsageError(`${checked.display} is registered already`);
      process.stdout.write(`created account ${checked.display}\n`);
    } else {
      if (!(await store.accounts.getAccount(checked.key)))
        throw new UsageError(`${checked.display} is not registered`);
      await store.accounts.setPassword(checked.key, passwordHash);
      process.stdout.write(`changed the password of ${checked.display}\n`);
    }
  } finally {
    await store.close();
  }
  return 0;
}
