/**
 * The servers under test, each a child process of the bench so that its CPU
 * time and memory are its own:
 *   - natter, started as `node src/cli/main.ts serve` with its flood and
 *     connection limits raised through their documented flags;
 *   - InspIRCd (the peer), started in the foreground with a configuration
 *     generated into a temporary directory: TLS on a loopback port with an
 *     ECDSA P-256 certificate like natter's, flood throttling and per-address
 *     limits raised out of the way.
 * Or an already running natter (--host/--port), measured only from outside.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSelfSignedCert } from '../src/tls/dev-cert.ts';
import type { DriverName } from './drivers.ts';
import { cpuSecondsOf, rssBytesOf, spawnWithFileLimit, stopChild } from './processes.ts';
import { sleep } from './util.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
/**
 * Gauges the bench reads from natter's /metrics when the server exports them
 * ("n/a" otherwise). natter reports the event-loop figures since the previous
 * scrape, so the bench scrapes once just before a measured phase and once
 * after it.
 */
export const GAUGES = {
  loopDelayP99Ms: 'natter_event_loop_delay_p99_seconds',
  loopDelayMaxMs: 'natter_event_loop_delay_max_seconds',
  /** Share of wall time the event loop was busy (0–1): CPU and synchronous I/O such as fsync. */
  loopUtilization: 'natter_event_loop_utilization',
} as const;

export type ServerGauges = Record<keyof typeof GAUGES, number | null>;

const NO_GAUGES: ServerGauges = {
  loopDelayP99Ms: null,
  loopDelayMaxMs: null,
  loopUtilization: null,
};

export interface ServerUnderTest {
  kind: 'natter' | 'inspircd';
  driver: DriverName;
  host: string;
  port: number;
  /** For /proc measurements; null when the server is not ours (--host/--port without --server-pid). */
  pid: number | null;
  /** What was raised or changed from the defaults, for the report. */
  settings: string[];
  /** The server's own gauges (delays in ms); nulls for what it does not export. */
  scrape(): Promise<ServerGauges>;
  /** Rejects if the server exits before `stop()`; never resolves. */
  died: Promise<never>;
  stop(): Promise<void>;
}

/** natter's limits as the bench sets them; each is a documented `natter serve` flag. */
const BENCH_LIMITS: Record<string, string> = {
  'flood-burst': '1000000',
  'flood-rate': '1000000',
  'flood-queue': '1000000',
  'flood-strikes': '1000000',
  'max-connections-per-ip': '1000000',
  'new-connections-per-ip': '1000000',
  'max-connections': '1000000',
  'room-creations-per-ip': '1000000',
  'room-creations-per-user': '1000000',
  'out-queue-soft': '4MiB',
  'out-queue-hard': '256MiB',
  'out-queue-stall': '10m',
  'login-timeout': '10m',
  'idle-ping': '10m',
  'idle-close': '20m',
};

/** The flags natter is started with. */
export function natterBenchFlags(options: { historyOnJoin: number; dbSync: string }): string[] {
  const flags = {
    ...BENCH_LIMITS,
    'history-on-join': String(options.historyOnJoin),
    'db-sync': options.dbSync,
  };
  return Object.entries(flags).flatMap(([name, value]) => [`--${name}`, value]);
}

/**
 * Rejects if the child exits before `stopping()` is called: a server that
 * crashes (or is killed by something else on the machine) ends the workload
 * with a clear error instead of leaving it waiting for clients that are gone.
 */
function watchExit(child: ChildProcess, name: string, output: () => string = () => '') {
  let expected = false;
  const died = new Promise<never>((_resolve, reject) => {
    child.once('exit', (code, signal) => {
      if (expected) return;
      const why = `${name} exited during the run (${signal ?? `code ${code}`})`;
      reject(new Error(output() ? `${why}; its last output:\n${output()}` : why));
    });
  });
  died.catch(() => {}); // observed through ServerUnderTest.died
  return {
    died,
    stopping() {
      expected = true;
    },
  };
}

/** GET over TLS with ALPN http/1.1 (natter picks its dialect by ALPN); resolves with the raw response. */
function httpsGet(host: string, port: number, urlPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host,
      port,
      servername: 'localhost',
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    let response = '';
    socket.setEncoding('utf8');
    socket.setTimeout(5000, () => socket.destroy(new Error('metrics request timed out')));
    socket.once('secureConnect', () =>
      socket.write(`GET ${urlPath} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`),
    );
    socket.on('data', (chunk: string) => (response += chunk));
    socket.once('end', () => resolve(response));
    socket.once('error', reject);
  });
}

/** Reads natter's /metrics; nulls when a gauge is absent or the server unreachable. */
export async function readGauges(host: string, port: number): Promise<ServerGauges> {
  let body: string;
  try {
    body = await httpsGet(host, port, '/metrics');
  } catch {
    return { ...NO_GAUGES };
  }
  const read = (name: string) => {
    const match = new RegExp(`^${name} (\\S+)$`, 'mu').exec(body);
    return match ? Number(match[1]) : null;
  };
  const ms = (value: number | null) => (value === null ? null : value * 1000);
  return {
    loopDelayP99Ms: ms(read(GAUGES.loopDelayP99Ms)),
    loopDelayMaxMs: ms(read(GAUGES.loopDelayMaxMs)),
    loopUtilization: read(GAUGES.loopUtilization),
  };
}

export async function startNatter(options: {
  historyOnJoin: number;
  dbSync: string;
  /** Write a V8 CPU profile of the server into this directory (node --cpu-prof). */
  cpuProfDir?: string | undefined;
  /**
   * `irc`: clients speak IRC to natter's --irc-port, through the same driver
   * as InspIRCd (the one port would also do, but the bench opens connections
   * long before it logs them in, and a silent client there gets text mode).
   */
  driver?: DriverName;
}): Promise<ServerUnderTest> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'natter-bench-'));
  const driver = options.driver ?? 'natter';
  const flags = [...natterBenchFlags(options), ...(driver === 'irc' ? ['--irc-port', '0'] : [])];
  const nodeFlags = options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : [];
  const child = spawnWithFileLimit(
    process.execPath,
    [
      ...nodeFlags,
      MAIN,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
      ...flags,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let port: number;
  let ircPort = 0;
  try {
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`natter did not start:\n${err}`)), 30_000);
      child.stdout!.setEncoding('utf8');
      child.stderr!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        out += chunk;
        const match = /natter listening on \S+:(\d+)/u.exec(out);
        const irc = /IRC \(TLS\) also on \S+:(\d+)/u.exec(out);
        if (match && (driver !== 'irc' || irc)) {
          clearTimeout(timer);
          ircPort = irc ? Number(irc[1]) : 0;
          resolve(Number(match[1]));
        }
      });
      child.stderr!.on('data', (chunk: string) => {
        if (err.length < 4000) process.stderr.write(`[natter] ${chunk}`);
        err = (err + chunk).slice(-8000);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`natter exited with ${code} before listening:\n${err}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  let tail = '';
  child.stderr!.on('data', (chunk: string) => (tail = (tail + chunk).slice(-4000)));
  const exit = watchExit(child, 'natter', () => tail);
  return {
    kind: 'natter',
    driver,
    host: '127.0.0.1',
    port: driver === 'irc' ? ircPort : port,
    pid: child.pid ?? null,
    settings: [`node src/cli/main.ts serve ${flags.join(' ')}`],
    scrape: () => readGauges('127.0.0.1', port),
    died: exit.died,
    async stop() {
      exit.stopping();
      // SIGTERM: a clean shutdown, so a --cpu-prof profile gets written.
      await stopChild(child, 'SIGTERM', 15_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A natter someone else runs: only what /metrics and (with a pid) /proc tell. */
export function externalNatter(host: string, port: number, pid: number | null): ServerUnderTest {
  return {
    kind: 'natter',
    driver: 'natter',
    host,
    port,
    pid,
    settings: ['external server: its own flags (raise its flood limits for meaningful figures)'],
    scrape: () => readGauges(host, port),
    died: new Promise<never>(() => {}),
    async stop() {},
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Which TLS module to load: what the installed InspIRCd ships. */
function inspircdTlsModule(binary: string): 'gnutls' | 'openssl' {
  const dirs = [
    path.join(path.dirname(binary), '..', 'lib', 'inspircd', 'modules'),
    path.join(path.dirname(binary), '..', 'modules'),
    '/usr/lib/inspircd/modules',
    '/usr/lib64/inspircd/modules',
    '/usr/local/lib/inspircd/modules',
  ];
  for (const dir of dirs) {
    if (existsSync(path.join(dir, 'm_ssl_gnutls.so'))) return 'gnutls';
    if (existsSync(path.join(dir, 'm_ssl_openssl.so'))) return 'openssl';
  }
  return 'gnutls';
}

export function inspircdConfig(options: {
  dir: string;
  port: number;
  tls: 'gnutls' | 'openssl';
  maxClients: number;
}): string {
  const { dir, port, tls, maxClients } = options;
  return `# Generated by natter's bench (bench/servers.ts) for one run; deleted afterwards.
<server name="bench.local" description="natter bench peer" network="NatterBench">
<admin name="bench" nick="bench" email="bench@localhost">
<module name="ssl_${tls}">
<sslprofile name="bench" provider="${tls}"
            certfile="${path.join(dir, 'cert.pem')}" keyfile="${path.join(dir, 'key.pem')}"
            dhfile="" hash="sha256" requestclientcert="no">
<bind address="127.0.0.1" port="${port}" type="clients" sslprofile="bench">
# Measured, not throttled: no flood penalties, no per-address clone limits,
# queues big enough for a load generator that reads in bursts.
<connect name="bench" allow="*" timeout="120" pingfreq="10m"
         hardsendq="256M" softsendq="16M" recvq="16M"
         threshold="1000000000" commandrate="1000000000" fakelag="no"
         localmax="${maxClients}" globalmax="${maxClients}" limit="${maxClients}"
         maxchans="100" resolvehostnames="no" useident="no">
<performance netbuffersize="65536" somaxconn="4096" softlimit="${maxClients}"
             clonesonconnect="no" quietbursts="yes">
<channels users="100" opers="100">
<dns timeout="1">
<options defaultmodes="nt">
<security userstats="Pu">
`;
}

export async function startInspircd(options: {
  binary: string;
  maxClients: number;
}): Promise<ServerUnderTest> {
  const dir = mkdtempSync(path.join(tmpdir(), 'natter-bench-inspircd-'));
  const { certPem, keyPem } = await generateSelfSignedCert([]);
  writeFileSync(path.join(dir, 'cert.pem'), certPem);
  writeFileSync(path.join(dir, 'key.pem'), keyPem, { mode: 0o600 });
  const port = await freePort();
  const tls = inspircdTlsModule(options.binary);
  const configFile = path.join(dir, 'inspircd.conf');
  writeFileSync(configFile, inspircdConfig({ dir, port, tls, maxClients: options.maxClients }));
  const args = ['--nofork', '--nopid', '--nolog', '--config', configFile];
  if (process.getuid?.() === 0) args.push('--runasroot');
  const child: ChildProcess = spawnWithFileLimit(options.binary, args, {
    cwd: dir, // whatever it leaves behind goes with the directory
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.on('error', (error) => (output += `${error.message}\n`));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const deadline = Date.now() + 15_000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`InspIRCd did not start:\n${output.slice(-2000)}`);
    }
    await sleep(100);
  }
  const exit = watchExit(child, 'InspIRCd');
  return {
    kind: 'inspircd',
    driver: 'irc',
    host: '127.0.0.1',
    port,
    pid: child.pid ?? null,
    settings: [
      `${path.basename(options.binary)} --nofork --config <generated> (ssl_${tls}; connect class: threshold/commandrate 1e9, fakelag no, localmax/globalmax ${options.maxClients}, hardsendq 256M, recvq 16M)`,
    ],
    scrape: async () => ({ ...NO_GAUGES }),
    died: exit.died,
    async stop() {
      exit.stopping();
      await stopChild(child, 'SIGTERM', 10_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { cpuSecondsOf, rssBytesOf };
