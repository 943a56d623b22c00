/**
 * Frames waiting to be written, and messages waiting for their ack. A message
 * (say/me/msg) keeps its client id from the first send to the ack, however
 * many connections it takes, so the server can recognise a re-send.
 */
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

type Unidentified = ClientFrame | Omit<AckedFrame, 'id'>;

function needsAck(frame: Unidentified): frame is Omit<AckedFrame, 'id'> {
  return frame.type === 'say' || frame.type === 'me' || frame.type === 'msg';
}

export class Outbox {
  readonly #newId: () => string;
  #unsent: OutboxItem[] = [];
  /** By client id, in the order sent. */
  readonly #pending = new Map<string, { message: PendingMessage; queued: boolean }>();
  readonly #watchers = new Set<() => void>();

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
    const frame = { ...input, id: (input as { id?: string }).id ?? this.#newId() } as AckedFrame;
    const message: PendingMessage = { id: frame.id, frame, sends: 0 };
    this.#pending.set(frame.id, { message, queued: true });
    this.#unsent.push({ frame, pending: message });
    return { id: frame.id };
  }

  /** Everything waiting to be written, in order; messages count a send. */
  takeUnsent(): OutboxItem[] {
    const items = this.#unsent;
    this.#unsent = [];
    for (const item of items) {
      if (!item.pending) continue;
      item.pending.sends += 1;
      const entry = this.#pending.get(item.pending.id);
      if (entry) entry.queued = false;
    }
    this.wake();
    return items;
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
    if (entry.queued) this.#unsent = this.#unsent.filter((item) => item.pending?.id !== id);
    this.wake();
    return entry.message;
  }

  watch(watcher: () => void): void {
    this.#watchers.add(watcher);
  }

  unwatch(watcher: () => void): void {
    this.#watchers.delete(watcher);
  }

  /** Tells watchers (drain) that something changed. */
  wake(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }
}
