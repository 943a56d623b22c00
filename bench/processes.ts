/**
 * Child processes of the bench: the servers under test and the
 * load-generator workers. Each is started through `sh -c 'ulimit -n <hard>'`
 * so that it may hold as many sockets as the hard limit allows (10,000 clients
 * need ~10,000 descriptors on each side), without core files, and is measured from outside
 * through /proc: CPU time from /proc/PID/stat, resident memory from
 * /proc/PID/status.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Starts `command args` with the soft open-files limit raised to the hard one. */
export function spawnWithFileLimit(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): ChildProcess {
  return spawn(
    '/bin/sh',
    // No core files: InspIRCd 3.15 as packaged by Debian may crash on its way out of SIGTERM.
    ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; ulimit -c 0; exec "$@"', 'sh', command, ...args],
    options,
  );
}

/** The hard open-files limit children can raise themselves to (null if unknown). */
export function hardFileLimit(): number | null {
  try {
    const out = execFileSync('/bin/sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
    return out === 'unlimited' ? Infinity : Number(out);
  } catch {
    return null;
  }
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond =
        Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds of a process, or null when /proc cannot tell. */
export function cpuSecondsOf(pid: number | null | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return null;
  }
}

/**
 * CPU seconds all processes on the machine have used (user + nice + system in
 * /proc/stat), or null. Interrupt and softirq time is left out: much of it is
 * the kernel carrying the bench's own loopback packets, which /proc does not
 * charge to any one process.
 */
export function machineBusySeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu  user nice system idle iowait irq softirq steal …
    const f = line.trim().split(/\s+/u).slice(1).map(Number);
    return (f[0]! + f[1]! + f[2]!) / clockTicks();
  } catch {
    return null;
  }
}

/** Resident set size in bytes (VmRSS), or null when /proc cannot tell. */
export function rssBytesOf(pid: number | null | undefined): number | null {
  if (!pid) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/mu.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Resolves when the child has exited; sends SIGKILL if it has not after `graceMs`. */
export function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
