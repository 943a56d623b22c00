/**
 * Helpers for the operations suite: `natter serve` and the other commands
 * as real processes, certificates made for a test, and a TLS probe that
 * reports which certificate a new connection is given.
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { connect } from 'node:tls';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { makeTempDir, ProcessLines } from '../helpers/server.ts';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const MAIN = path.join(ROOT, 'src', 'cli', 'main.ts');

export async function tempDir(t: TestContext, prefix = 'natter-ops-'): Promise<string> {
  const dir = await makeTempDir(prefix);
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface Served {
  proc: ProcessLines;
  port: number;
  fingerprint: string;
  /** stdout lines up to and including the fingerprint line. */
  banner: string[];
}

/** Starts `natter serve --port 0 ...` in `cwd` and waits for it to print its fingerprint. */
export async function serve(
  t: TestContext,
  args: string[],
  options: { cwd?: string } = {},
): Promise<Served> {
  const proc = new ProcessLines(process.execPath, [MAIN, 'serve', '--port', '0', ...args], {
    cwd: options.cwd ?? ROOT,
  });
  t.after(() => proc.stop());
  const listening = await proc.waitForLine(/^natter listening on /u);
  const port = Number(/:(\d+) \(TLS/u.exec(listening)?.[1]);
  assert.ok(port > 0, listening);
  const line = await proc.waitForLine(/^fingerprint SHA256 /u);
  const fingerprint = line.slice('fingerprint SHA256 '.length);
  await proc.waitForLine(/^admin socket /u); // the last line: everything is up
  return { proc, port, fingerprint, banner: [...proc.lines] };
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a natter command to completion, with optional stdin and process options. */
export function run(
  args: string[],
  options: {
    input?: string;
    cwd?: string;
    uid?: number;
    gid?: number;
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: 'pipe',
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`natter ${args.join(' ')} did not finish; stderr: ${stderr}`));
    }, 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The fingerprint of the certificate a new TLS connection to host:port is given. */
export function presentedFingerprint(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername: 'localhost', rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      const print = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(print);
    });
    socket.once('error', reject);
  });
}

/** Waits until `proc`'s stderr contains a match (logs are on stderr), failing after 10 s. */
export async function waitForStderr(proc: ProcessLines, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const match = pattern.exec(proc.stderr);
    if (match) return match[0];
    if (Date.now() > deadline || proc.exitCode !== null) {
      throw new Error(`stderr never matched ${pattern}: ${proc.stderr.slice(-1500)}`);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      proc.child.stderr.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
