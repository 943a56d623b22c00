/**
 * The coordinator's side of the load-generator workers: starts them, hands
 * each its share of the clients (client i belongs to worker i mod W), sends
 * requests and collects replies.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerReply, WorkerRequest } from './load-worker.ts';
import { cpuSecondsOf, spawnWithFileLimit, stopChild } from './processes.ts';

const WORKER = fileURLToPath(new URL('./load-worker.ts', import.meta.url));

interface Pending {
  resolve(reply: WorkerReply): void;
  reject(error: Error): void;
}

class Worker {
  readonly child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;

  constructor(child: ChildProcess) {
    this.child = child;
    child.on('message', (message: { seq: number; reply: WorkerReply }) => {
      const pending = this.#pending.get(message.seq);
      this.#pending.delete(message.seq);
      pending?.resolve(message.reply);
    });
    child.on('exit', (code, signal) => {
      for (const pending of this.#pending.values()) {
        pending.reject(new Error(`load-generator worker exited (${signal ?? code})`));
      }
      this.#pending.clear();
    });
  }

  call(request: WorkerRequest): Promise<WorkerReply> {
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      this.child.send({ seq, request });
    });
  }
}

export class WorkerPool {
  readonly #workers: Worker[];

  private constructor(workers: Worker[]) {
    this.#workers = workers;
  }

  static start(count: number): WorkerPool {
    const workers = Array.from(
      { length: count },
      () =>
        new Worker(
          spawnWithFileLimit(process.execPath, [WORKER], {
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            serialization: 'advanced',
          }),
        ),
    );
    return new WorkerPool(workers);
  }

  /** A pool of the first `count` workers (the rest stay idle for that workload). */
  subset(count: number): WorkerPool {
    return new WorkerPool(
      this.#workers.slice(0, Math.max(1, Math.min(count, this.#workers.length))),
    );
  }

  get size(): number {
    return this.#workers.length;
  }

  /** Global client indices 0..n-1 that worker `w` owns. */
  share(w: number, n: number): number[] {
    const out: number[] = [];
    for (let i = w; i < n; i += this.#workers.length) out.push(i);
    return out;
  }

  /** Sends each worker its own request (built from its number) and waits for all replies. */
  async each(build: (w: number) => WorkerRequest): Promise<WorkerReply[]> {
    const replies = await Promise.all(this.#workers.map((worker, w) => worker.call(build(w))));
    const failed = replies.find((r) => r.error !== undefined);
    if (failed) throw new Error(`load generator: ${failed.error}`);
    return replies;
  }

  all(request: WorkerRequest): Promise<WorkerReply[]> {
    return this.each(() => request);
  }

  /** The worker that owns global client `index`. */
  async one(index: number, request: WorkerRequest): Promise<WorkerReply> {
    const reply = await this.#workers[index % this.#workers.length]!.call(request);
    if (reply.error !== undefined) throw new Error(`load generator: ${reply.error}`);
    return reply;
  }

  /** CPU seconds the workers have used so far (from /proc; null when unavailable). */
  cpuSeconds(): number | null {
    let total = 0;
    for (const worker of this.#workers) {
      const cpu = cpuSecondsOf(worker.child.pid);
      if (cpu === null) return null;
      total += cpu;
    }
    return total;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.#workers.map(async (worker) => {
        const { child } = worker;
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        // Ask first (it closes its sockets), then insist.
        if (child.connected) child.send({ seq: 0, request: { op: 'exit' } });
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3_000))]);
        await stopChild(child, 'SIGTERM', 5_000);
      }),
    );
  }
}
