/** The printed table: one row per figure, natter beside the peer, the ratio and the target. */
import type { Phase } from './measure.ts';
import { perItem } from './measure.ts';
import { bottleneck } from './measure.ts';
import type { BenchOptions, Workload } from './options.ts';
import type { ConnectResult, FanoutResult, HistoryResult, LatencyResult } from './workloads.ts';

/** One line of the table. `better` says which way the ratio natter/peer should go. */
export interface Row {
  workload: Workload;
  figure: string;
  natter: number | null;
  peer: number | null;
  unit: string;
  better: 'higher' | 'lower' | 'none';
  target?: string;
  /** True/false once judged; null when it cannot be (no peer, too few clients). */
  met?: boolean | null;
}

/**
 * With several rounds, the run whose `key` figure is the median one (the
 * lower middle for an even count). Whole runs are kept, so every row of a
 * side comes from the same run; the JSON has all of them.
 */
export function medianRun<T>(runs: T[], key: (run: T) => number): T {
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export function phaseRows(workload: Workload, natter: Phase, peer: Phase | null): Row[] {
  const share = (p: Phase | null, cpu: number | null | undefined) =>
    p === null || cpu === null || cpu === undefined ? null : (cpu / p.wallSeconds) * 100;
  return [
    {
      workload,
      figure: 'server CPU (% of one core)',
      natter: share(natter, natter.serverCpuSeconds),
      peer: share(peer, peer?.serverCpuSeconds),
      unit: '%',
      better: 'none',
    },
    {
      workload,
      figure: 'server event-loop delay p99',
      natter: natter.gauges.loopDelayP99Ms,
      peer: peer?.gauges.loopDelayP99Ms ?? null,
      unit: 'ms',
      better: 'lower',
    },
    {
      workload,
      figure: 'server event-loop delay max',
      natter: natter.gauges.loopDelayMaxMs,
      peer: peer?.gauges.loopDelayMaxMs ?? null,
      unit: 'ms',
      better: 'lower',
    },
    {
      workload,
      figure: 'load generator CPU (% of one core, all workers)',
      natter: share(natter, natter.generatorCpuSeconds),
      peer: share(peer, peer?.generatorCpuSeconds),
      unit: '%',
      better: 'none',
    },
    {
      workload,
      figure: 'other processes on the machine (% of one core)',
      natter: natter.otherCpu === null ? null : natter.otherCpu * 100,
      peer: peer?.otherCpu == null ? null : peer.otherCpu * 100,
      unit: '%',
      better: 'none',
    },
  ];
}

export function format(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return unit === '' || unit === '/s' ? text : `${text} ${unit}`;
}

/** The peer's column and notes: InspIRCd, or natter itself over WebSocket (`--peer websocket`). */
let peerLabel = 'inspircd';
export function setPeerLabel(label: string): void {
  peerLabel = label;
}

export function renderTable(rows: Row[], withPeer: boolean): string {
  const header = [
    'workload',
    'figure',
    'natter',
    ...(withPeer ? [peerLabel, 'natter/peer'] : []),
    'target',
  ];
  const lines = rows.map((row) => {
    const ratio =
      row.natter !== null && row.peer !== null && row.peer !== 0 && row.better !== 'none'
        ? `${(row.natter / row.peer).toFixed(2)}×`
        : '';
    const verdict = row.target
      ? `${row.target}${row.met === true ? ' ✓' : row.met === false ? ' ✗ MISSED' : ' (not judged)'}`
      : '';
    return [
      row.workload,
      row.figure,
      format(row.natter, row.unit),
      ...(withPeer ? [format(row.peer, row.unit), ratio] : []),
      verdict,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) =>
    `| ${cells.map((c, i) => (i >= 2 && i < cells.length - 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  return [
    render(header),
    `|${widths.map((w, i) => (i >= 2 && i < widths.length - 1 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
    ...lines.map(render),
  ].join('\n');
}

/** Rows and notes for the connect workload. */
export function connectRows(
  natter: ConnectResult,
  peer: ConnectResult | null,
  notes: string[],
): Row[] {
  const workload = 'connect';
  const held = natter.loggedIn;
  const rows: Row[] = [
    {
      workload,
      figure: `TLS handshakes/s (${natter.clients} clients)`,
      natter: natter.handshakesPerSecond,
      peer: peer?.handshakesPerSecond ?? null,
      unit: '/s',
      better: 'higher',
    },
    {
      workload,
      figure: 'handshake p99',
      natter: natter.handshakeP99Ms,
      peer: peer?.handshakeP99Ms ?? null,
      unit: 'ms',
      better: 'lower',
    },
    {
      workload,
      figure: 'logins/s (rooms of 100; InspIRCd: see notes)',
      natter: natter.loginsPerSecond,
      peer: peer?.loginsPerSecond ?? null,
      unit: '/s',
      better: 'higher',
    },
    {
      workload,
      figure: 'server RSS per TLS connection (not logged in)',
      natter: natter.rssPerTlsConnectionKiB,
      peer: peer?.rssPerTlsConnectionKiB ?? null,
      unit: 'KiB',
      better: 'lower',
    },
    {
      workload,
      figure: `server RSS per idle logged-in connection (${held} held)`,
      natter: natter.rssPerConnectionKiB,
      peer: peer?.rssPerConnectionKiB ?? null,
      unit: 'KiB',
      better: 'lower',
      target: '< 40 KiB at 10,000',
      met:
        natter.rssPerConnectionKiB === null || held < 10_000
          ? null
          : natter.rssPerConnectionKiB < 40,
    },
    {
      workload,
      figure: 'server RSS with all clients held',
      natter: natter.rssLoggedInBytes === null ? null : natter.rssLoggedInBytes / 1024 ** 2,
      peer: peer?.rssLoggedInBytes == null ? null : peer.rssLoggedInBytes / 1024 ** 2,
      unit: 'MiB',
      better: 'lower',
    },
    {
      workload,
      figure: 'server CPU per handshake',
      natter: perItem(natter.handshakePhase.serverCpuSeconds, natter.opened),
      peer: perItem(peer?.handshakePhase.serverCpuSeconds, peer?.opened),
      unit: 'ms',
      better: 'lower',
    },
    {
      workload,
      figure: 'server CPU per login',
      natter: perItem(natter.loginPhase.serverCpuSeconds, natter.loggedIn),
      peer: perItem(peer?.loginPhase.serverCpuSeconds, peer?.loggedIn),
      unit: 'ms',
      better: 'lower',
    },
    {
      workload,
      figure: 'load generator CPU per handshake',
      natter: perItem(natter.handshakePhase.generatorCpuSeconds, natter.opened),
      peer: perItem(peer?.handshakePhase.generatorCpuSeconds, peer?.opened),
      unit: 'ms',
      better: 'none',
    },
  ];
  notes.push(`connect natter, handshakes: ${bottleneck(natter.handshakePhase)}`);
  notes.push(`connect natter, logins: ${bottleneck(natter.loginPhase)}`);
  if (peer) {
    notes.push(`connect ${peerLabel}, handshakes: ${bottleneck(peer.handshakePhase)}`);
    if (peerLabel === 'inspircd')
      notes.push(
        'connect inspircd, logins: InspIRCd completes registrations on a once-a-second tick, so its logins/s is set by how many the bench runs at once, not by its speed; compare server CPU per login',
      );
  }
  return rows;
}

/** Rows and notes for the fanout workload. */
export function fanoutRows(
  natter: FanoutResult,
  peer: FanoutResult | null,
  options: BenchOptions,
  notes: string[],
): Row[] {
  const workload = 'fanout';
  const ratio = peer ? natter.deliveriesPerSecond / peer.deliveriesPerSecond : null;
  const atWindow = (r: FanoutResult | null, window: number) =>
    r?.byWindow.find((run) => run.window === window)?.deliveriesPerSecond ?? null;
  const rows: Row[] = [
    {
      workload,
      figure: `deliveries/s at saturation (${natter.clients} clients, ${natter.senders} senders × ${options.fanoutMessages}; best window)`,
      natter: natter.deliveriesPerSecond,
      peer: peer?.deliveriesPerSecond ?? null,
      unit: '/s',
      better: 'higher',
      // The targets are set against InspIRCd; natter over WebSocket is a comparison, not a rival.
      ...(peerLabel === 'inspircd' && {
        target: '≥ 1.5× peer',
        met: ratio === null ? null : ratio >= 1.5,
      }),
    },
    ...options.fanoutWindows.map((window): Row => ({
      workload,
      figure: `  deliveries/s with window ${window} per sender`,
      natter: atWindow(natter, window),
      peer: atWindow(peer, window),
      unit: '/s',
      better: 'higher',
    })),
    {
      workload,
      figure: 'best window',
      natter: natter.window,
      peer: peer?.window ?? null,
      unit: '',
      better: 'none',
    },
    {
      workload,
      figure: 'messages/s through the room (best window)',
      natter: natter.messagesPerSecond,
      peer: peer?.messagesPerSecond ?? null,
      unit: '/s',
      better: 'higher',
    },
    {
      workload,
      figure: 'server CPU per 1,000 deliveries (best window)',
      natter: perItem(natter.phase.serverCpuSeconds, natter.delivered / 1000),
      peer: perItem(peer?.phase.serverCpuSeconds, (peer?.delivered ?? 0) / 1000),
      unit: 'ms',
      better: 'lower',
    },
    ...phaseRows(workload, natter.phase, peer?.phase ?? null),
  ];
  notes.push(`fanout natter (window ${natter.window}): ${natter.bottleneck}`);
  if (peer) notes.push(`fanout ${peerLabel} (window ${peer.window}): ${peer.bottleneck}`);
  for (const [side, result] of [
    ['natter', natter],
    [peerLabel, peer],
  ] as const) {
    for (const r of result?.byWindow ?? []) {
      if (!r.complete || r.errors || r.disconnects) {
        notes.push(
          `fanout ${side} window ${r.window}: ${r.delivered}/${r.expected} delivered, ${r.errors} errors, ${r.disconnects} disconnects ${r.firstError ?? ''}`,
        );
      }
    }
  }
  return rows;
}

/** Rows and notes for the latency workload. */
export function latencyRows(
  natter: LatencyResult,
  peer: LatencyResult | null,
  notes: string[],
): Row[] {
  const workload = 'latency';
  const ratio = peer ? natter.p99Ms / peer.p99Ms : null;
  const title = `${natter.clients} clients, ${natter.rate} msg/s offered`;
  const rows: Row[] = [
    {
      workload,
      figure: `delivery latency p50 (${title})`,
      natter: natter.p50Ms,
      peer: peer?.p50Ms ?? null,
      unit: 'ms',
      better: 'lower',
    },
    {
      workload,
      figure: 'delivery latency p99',
      natter: natter.p99Ms,
      peer: peer?.p99Ms ?? null,
      unit: 'ms',
      better: 'lower',
      ...(peerLabel === 'inspircd' && {
        target: '≤ 0.5× peer',
        met: ratio === null ? null : ratio <= 0.5,
      }),
    },
    {
      workload,
      figure: 'delivery latency p99.9',
      natter: natter.p999Ms,
      peer: peer?.p999Ms ?? null,
      unit: 'ms',
      better: 'lower',
    },
    {
      workload,
      figure: 'deliveries measured',
      natter: natter.samples,
      peer: peer?.samples ?? null,
      unit: '',
      better: 'none',
    },
    {
      workload,
      figure: 'server CPU per 1,000 deliveries',
      natter: perItem(natter.phase.serverCpuSeconds, natter.delivered / 1000),
      peer: perItem(peer?.phase.serverCpuSeconds, (peer?.delivered ?? 0) / 1000),
      unit: 'ms',
      better: 'lower',
    },
    {
      workload,
      figure: 'load generator send lag p99',
      natter: natter.sendLagP99Ms,
      peer: peer?.sendLagP99Ms ?? null,
      unit: 'ms',
      better: 'none',
    },
    {
      workload,
      figure: 'load generator event-loop delay p99 (busiest worker)',
      natter: natter.phase.generatorLoopDelayP99Ms,
      peer: peer?.phase.generatorLoopDelayP99Ms ?? null,
      unit: 'ms',
      better: 'none',
    },
    ...phaseRows(workload, natter.phase, peer?.phase ?? null),
  ];
  notes.push(`latency natter: ${natter.bottleneck}`);
  if (peer) notes.push(`latency ${peerLabel}: ${peer.bottleneck}`);
  for (const [side, r] of [
    ['natter', natter],
    [peerLabel, peer],
  ] as const) {
    if (r && (!r.complete || r.errors || r.disconnects)) {
      notes.push(
        `latency ${side}: ${r.delivered}/${r.expected} delivered, ${r.errors} errors, ${r.disconnects} disconnects ${r.firstError ?? ''}`,
      );
    }
  }
  return rows;
}

/** Rows for the history workload (natter only). */
export function historyRows(result: HistoryResult, options: BenchOptions): Row[] {
  const workload = 'history';
  const rows: Row[] = [
    {
      workload,
      figure: 'store commits/s, 1 message per transaction',
      natter: result.storeSinglePerSecond,
      peer: null,
      unit: '/s',
      better: 'higher',
    },
    {
      workload,
      figure: 'store commits/s, batches of 100',
      natter: result.storeBatchedPerSecond,
      peer: null,
      unit: '/s',
      better: 'higher',
    },
    {
      workload,
      figure: `acked messages/s (${options.historySenders} senders, window ${options.historyWindow})`,
      natter: result.serverAckedPerSecond,
      peer: null,
      unit: '/s',
      better: 'higher',
    },
    {
      workload,
      figure: 'replay on join: mean per join (50 messages)',
      natter: result.joinMeanMs,
      peer: null,
      unit: 'ms',
      better: 'lower',
    },
    {
      workload,
      figure: 'replay on join: p99 per join',
      natter: result.joinP99Ms,
      peer: null,
      unit: 'ms',
      better: 'lower',
    },
    ...phaseRows(workload, result.ackPhase, null),
  ];
  return rows;
}
