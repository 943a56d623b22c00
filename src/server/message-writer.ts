/**
 * Batches message inserts: everything appended during one event-loop turn is
 * committed in one transaction (ARCHITECTURE.md, "Performance principles"),
 * and each caller learns its stored id only after that commit — which is
 * when its sender may be acknowledged.
 */
import type { AppendResult, NewMessage, Store } from '../store/store.ts';

/** Most messages committed in one transaction (and delivered in one turn). */
const MAX_BATCH = 128;

interface Pending {
  message: NewMessage;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

export class MessageWriter {
  readonly #store: Store;
  #pending: Pending[] = [];
  #scheduled = false;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(store: Store) {
    this.#store = store;
  }

  append(message: NewMessage): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ message, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#flush);
      }
    });
  }

  /** Resolves once everything appended so far is committed (or failed). */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#scheduled) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    await this.#inFlight;
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    // A bounded batch per turn: committing and fanning out an unbounded one
    // stalls the event loop for seconds under load; the rest goes next turn.
    const batch = this.#pending.splice(0, MAX_BATCH);
    if (this.#pending.length > 0) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
    // Batches commit one after another, so ids follow the order of appends.
    this.#inFlight = this.#inFlight.then(async () => {
      try {
        const results = await this.#store.appendMessages(batch.map((p) => p.message));
        results.forEach((result, i) => batch[i]!.resolve(result));
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    });
  };
}
