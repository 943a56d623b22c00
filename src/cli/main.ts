#!/usr/bin/env node
/** `natter <command>`: the single entry point behind npm start, npm run client and bin/natter. */
import { StartupError } from '../tls/startup-error.ts';
import { UsageError } from './options.ts';

const USAGE = `usage: natter <command> [options]

commands:
  serve    run the chat server          (natter serve --help)
  chat     connect as a chat client     (natter chat --help)
  bench    load generator, vs InspIRCd  (natter bench --help)
  account  create accounts, set passwords (natter account --help)
  admin    act on a running server through its admin socket (natter admin --help)
  reload   make a running server re-read its config and certificate (natter admin reload)
  backup   consistent copy of the database while the server runs (natter backup --help)
  cert     the local CA that signs the generated certificate (natter cert --help)
`;

type Command = (argv: readonly string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.ts')).serve,
  chat: async () => (await import('./chat.ts')).chat,
  bench: async () => (await import('./bench.ts')).bench,
  account: async () => (await import('./account.ts')).account,
  admin: async () => (await import('./admin.ts')).admin,
  reload: async () => {
    const { admin } = await import('./admin.ts');
    return (argv) => admin(['reload', ...argv]);
  },
  backup: async () => (await import('./backup.ts')).backup,
  cert: async () => (await import('./cert.ts')).cert,
};

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = name === undefined ? undefined : COMMANDS[name];
  if (!load) {
    process.stderr.write(
      name && !name.startsWith('-') ? `unknown command: ${name}\n\n${USAGE}` : USAGE,
    );
    return name === '--help' || name === '-h' ? 0 : 2;
  }
  try {
    return await (
      await load()
    )(rest);
  } catch (error) {
    if (error instanceof StartupError) {
      process.stderr.write(`natter ${name}: ${error.message}\n`);
      return 1;
    }
    if (error instanceof UsageError) {
      process.stderr.write(
        `natter ${name}: ${error.message}\nusage: natter ${name} [options]   (natter ${name} --help)\n`,
      );
      return 2;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (
      code === 'EADDRINUSE' ||
      code === 'EACCES' ||
      code === 'ENOENT' ||
      code === 'EADDRNOTAVAIL'
    ) {
      process.stderr.write(`natter ${name}: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
