/**
 * Enforces the history retention policy (and forgets expired resume tokens)
 * in the background: small batches of
 * deletes with a yield to the event loop between them, so trimming a large
 * history never stalls chat.
 */
import type { RetentionPolicy, Store } from '../store/store.ts';
import type { Logger } from './log.ts';

const BATCH_ROWS = 500;

export function startRetention(
  store: Store,
  policy: RetentionPolicy,
  intervalMs: number,
  log: Logger,
): { stop(): Promise<void> } {
  // Runs even with no message policy: expired resume tokens are cleared by the same sweep.
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const sweep = async () => {
    let total = 0;
    for (;;) {
      if (stopped) break;
      const deleted = await store.enforceRetention(policy, Date.now(), BATCH_ROWS);
      total += deleted;
      if (deleted < BATCH_ROWS) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (total > 0) log.info('retention', { deleted: total });
  };
  const run = () => {
    running = running
      .then(sweep)
      .catch((error: Error) => log.error('retention failed', { error: error.message }));
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
