/**
 * Gauges of the server process itself for /metrics: memory, CPU, and the
 * event loop's delay and utilisation since the previous scrape.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Metrics } from './metrics.ts';

export function registerProcessGauges(metrics: Metrics): { stop(): void } {
  metrics.gauge('rss_bytes', 'resident memory of the server process', () =>
    process.memoryUsage.rss(),
  );
  metrics.gauge('cpu_seconds', 'CPU time (user + system) used by the server process', () => {
    const cpu = process.cpuUsage();
    return (cpu.user + cpu.system) / 1e6;
  });
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let loopUse = performance.eventLoopUtilization();
  // The loop gauges cover the time since the previous scrape: a render reads
  // them all, then onRendered starts the next window.
  metrics.gauge('event_loop_delay_p99_seconds', 'event-loop delay p99 since the last scrape', () =>
    loopDelay.count > 0 ? loopDelay.percentile(99) / 1e9 : 0,
  );
  metrics.gauge('event_loop_delay_max_seconds', 'event-loop delay max since the last scrape', () =>
    loopDelay.count > 0 ? loopDelay.max / 1e9 : 0,
  );
  metrics.gauge(
    'event_loop_utilization',
    'share of time the event loop was busy since the last scrape (0-1), fsync waits included',
    () => performance.eventLoopUtilization(loopUse).utilization,
  );
  metrics.onRendered(() => {
    loopDelay.reset();
    loopUse = performance.eventLoopUtilization();
  });
  return { stop: () => loopDelay.disable() };
}
