/**
 * Builds the web client into web/dist when it is missing or stale: the
 * stamp is a hash of everything the bundle is made from (the client's
 * sources, src/protocol, this script, the lock file). Run by `npm install`
 * (postinstall), `npm start` (prestart) and the browser tests; `--force`
 * builds regardless. Nothing built is committed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(WEB);
export const DIST = path.join(WEB, 'dist');
const STAMP = '.build-stamp';
const INPUTS = [
  path.join(WEB, 'src'),
  path.join(WEB, 'index.html'),
  path.join(WEB, 'build.ts'),
  path.join(ROOT, 'src', 'protocol'),
  path.join(ROOT, 'package-lock.json'),
];

function files(entry: string): string[] {
  if (!existsSync(entry)) return [];
  try {
    return readdirSync(entry, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((child) => files(path.join(entry, child.name)));
  } catch {
    return [entry]; // not a directory
  }
}

export function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(files)) {
    hash.update(path.relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export function isFresh(): boolean {
  try {
    return readFileSync(path.join(DIST, STAMP), 'utf8') === sourceHash();
  } catch {
    return false;
  }
}

/** Builds into a fresh directory and swaps it in, so a server never reads a half-built one. */
export async function buildWeb(
  options: { force?: boolean; quiet?: boolean } = {},
): Promise<boolean> {
  if (!options.force && isFresh()) return false;
  let build: typeof import('vite').build;
  try {
    ({ build } = await import('vite'));
  } catch {
    // An install without devDependencies: the server runs, and / says how to build.
    process.stderr.write(
      'web client not built: vite is not installed (a plain `npm install` brings it)\n',
    );
    return false;
  }
  const stamp = sourceHash();
  const out = `${DIST}.tmp-${process.pid}`;
  await build({
    configFile: false,
    root: WEB,
    base: '/',
    logLevel: options.quiet ? 'warn' : 'info',
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    build: {
      outDir: out,
      emptyOutDir: true,
      assetsDir: 'assets',
      target: 'es2022',
      sourcemap: false,
      modulePreload: { polyfill: false },
      reportCompressedSize: false,
    },
  });
  writeFileSync(path.join(out, STAMP), stamp);
  rmSync(DIST, { recursive: true, force: true });
  try {
    renameSync(out, DIST);
  } catch (error) {
    // Another build (a parallel test) won the race; its output is as good.
    rmSync(out, { recursive: true, force: true });
    if (!isFresh()) throw error;
  }
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const force = process.argv.includes('--force');
  buildWeb({ force }).then(
    (built) => {
      if (!built) process.stdout.write('web client is up to date (web/dist)\n');
    },
    (error: unknown) => {
      process.stderr.write(`web client build failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
