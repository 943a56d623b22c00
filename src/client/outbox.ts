/**
 * Frames waiting to be written, and messages waiting for their ack. A message
 * (say/me/msg) keeps its client id from the first send to the ack, however
 * many connections it takes, so the server can recognise a re-send.
 */
import { encodeFrame } from '../protocol/codec.ts';
import type { ClientFrame, MeFrame, PrivateFrame, SayFrame } from '../protocol/frames.ts';

/** The frames the server acknowledges. */
export type AckedFrame = SayFrame | MeFrame | PrivateFrame;

export interface PendingMessage {
  id: string;
  frame: AckedFrame;
  /** How many times it was written; more than 1 after a reconnect. */
  sends: number;
}

export interface OutboxItem {
  frame: ClientFrame;
  /** Set for messages that wait for an ack. */
  pending?: PendingMessage;
}

type WithOptionalId<T> = T extends { id: string } ? Omit<T, 'id'> & { id?: string } : T;
/** A client frame whose client id may still be missing. */
export type Unidentified = WithOptionalId<ClientFrame>;

function needsAck(frame: Unidentified): frame is WithOptionalId<AckedFrame> {
  return frame.type === 'say' || frame.type === 'me' || frame.type === 'msg';
}

export class Outbox {
  readonly #newId: () => string;
  #unsent: OutboxItem[] = [];
  /** By client id, in the order sent. */
  readonly #pending = new Map<string, { message: PendingMessage; queued: boolean }>();
  readonly #watchers = new Set<() => void>();
  /** Acks and refusals so far: progress, for whenEmpty's deadline. */
  #answers = 0;

  constructor(newId: () => string) {
    this.#newId = newId;
  }

  /** Nothing waits to be written or acknowledged. */
  get empty(): boolean {
    return this.#unsent.length === 0 && this.#pending.size === 0;
  }

  pending(): PendingMessage[] {
    return [...this.#pending.values()].map((p) => p.message);
  }

  add(input: Unidentified): { id?: string } {
    if (!needsAck(input)) {
      this.#unsent.push({ frame: input as ClientFrame });
      return {};
    }
    const frame = { ...input, id: input.id ?? this.#newId() } as AckedFrame;
    const message: PendingMessage = { id: frame.id, frame, sends: 0 };
    this.#pending.set(frame.id, { message, queued: true });
    this.#unsent.push({ frame, pending: message });
    return { id: frame.id };
  }

  /**
   * What may be written now, in order, as NDJSON lines; messages count a
   * send. At most `maxInFlight` messages wait for their ack at once: the
   * server paces a burst (flood control) and refuses what overflows its
   * queue, so a long script is sent as fast as acks come back and is never
   * refused for its speed. Whatever is behind a message that does not fit
   * waits too, to keep the order. A frame longer than the server accepts is
   * not written (the server would close the connection, and a resend would
   * do it again): it is settled and returned in `tooLong`.
   */
  takeLines(maxLineBytes: number, maxInFlight: number): { lines: string[]; tooLong: OutboxItem[] } {
    const lines: string[] = [];
    const tooLong: OutboxItem[] = [];
    let inFlight = this.#pending.size - this.#unsent.filter((item) => item.pending).length;
    let taken = 0;
    for (const item of this.#unsent) {
      const line = encodeFrame(item.frame);
      if (Buffer.byteLength(line) - 1 > maxLineBytes) {
        tooLong.push(item);
        if (item.pending) this.#pending.delete(item.pending.id);
        taken += 1;
        continue;
      }
      if (item.pending && inFlight >= maxInFlight) break;
      lines.push(line);
      taken += 1;
      if (!item.pending) continue;
      inFlight += 1;
      item.pending.sends += 1;
      const entry = this.#pending.get(item.pending.id);
      if (entry) entry.queued = false;
    }
    this.#unsent = this.#unsent.slice(taken);
    this.wake();
    return { lines, tooLong };
  }

  /** The connection is gone: messages written but not acknowledged go first next time. */
  requeue(): void {
    const again: OutboxItem[] = [];
    for (const entry of this.#pending.values()) {
      if (entry.queued) continue;
      entry.queued = true;
      again.push({ frame: entry.message.frame, pending: entry.message });
    }
    this.#unsent = [...again, ...this.#unsent];
  }

  /** An ack or a refusal arrived for this id; returns the message if it was ours. */
  settle(id: string): PendingMessage | undefined {
    const entry = this.#pending.get(id);
    if (!entry) return undefined;
    this.#pending.delete(id);
    this.#answers += 1;
    if (entry.queued) this.#unsent = this.#unsent.filter((item) => item.pending?.id !== id);
    this.wake();
    return entry.message;
  }

  /**
   * Resolves with true once nothing waits while `ready()` holds; with false
   * when `gone()` (the connection ended) with something left, or when no
   * ack or refusal came for `idleMs` — a deadline that restarts with every
   * answer, so a long paced script is not cut off while it makes progress.
   */
  whenEmpty(idleMs: number, ready: () => boolean, gone: () => boolean): Promise<boolean> {
    return new Promise((resolve) => {
      let answers = this.#answers;
      let timer = setTimeout(() => done(false), idleMs);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.#watchers.delete(check);
        resolve(ok);
      };
      const check = () => {
        if (this.empty && (ready() || gone())) return done(true);
        if (gone()) return done(false);
        if (answers !== this.#answers) {
          answers = this.#answers;
          clearTimeout(timer);
          timer = setTimeout(() => done(false), idleMs);
        }
      };
      this.#watchers.add(check);
      check();
    });
  }

  /** Something changed that whenEmpty may be waiting for. */
  wake(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }
}
