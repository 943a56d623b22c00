/**
 * --watch-certs: reload when the certificate or key files change, for ACME
 * clients that renew in place without a hook. The directories are watched,
 * not the files: renewals usually replace a file (or re-point a symlink, as
 * certbot's live/ directory does), which a watch on the old file misses.
 * Changes are gathered for a moment, so a certificate and its key written
 * one after the other cause one reload.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

const SETTLE_MS = 1_000;

export interface CertWatch {
  close(): void;
}

export function watchCertificates(
  files: readonly string[],
  onChange: () => void,
  onError: (error: Error) => void,
): CertWatch {
  const names = new Map<string, Set<string>>();
  for (const file of files) {
    const dir = path.dirname(path.resolve(file));
    names.set(dir, (names.get(dir) ?? new Set()).add(path.basename(file)));
  }
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, SETTLE_MS);
  };
  const watchers: FSWatcher[] = [];
  for (const [dir, wanted] of names) {
    try {
      const watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || wanted.has(String(name))) changed();
      });
      watcher.on('error', onError);
      watchers.push(watcher);
    } catch (error) {
      onError(error as Error);
    }
  }
  return {
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
