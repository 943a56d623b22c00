/**
 * A token bucket: `capacity` tokens at most, refilled at `perSecond`. Pure:
 * the caller passes the time, so tests need no clocks.
 */
export interface BucketRate {
  capacity: number;
  perSecond: number;
}

export class TokenBucket {
  readonly rate: BucketRate;
  #tokens: number;
  #updatedAt: number;

  constructor(rate: BucketRate, now: number) {
    this.rate = rate;
    this.#tokens = rate.capacity;
    this.#updatedAt = now;
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#updatedAt) / 1000;
    this.#tokens = Math.min(this.rate.capacity, this.#tokens + elapsed * this.rate.perSecond);
    this.#updatedAt = now;
  }

  /** Milliseconds until a token is available (0: one is available now). */
  waitMs(now: number): number {
    this.#refill(now);
    if (this.#tokens >= 1) return 0;
    return Math.ceil(((1 - this.#tokens) / this.rate.perSecond) * 1000);
  }

  /** Takes a token if one is available. */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Gives a token back (never above capacity): for attempts that turned out fine. */
  refund(now: number): void {
    this.#refill(now);
    this.#tokens = Math.min(this.rate.capacity, this.#tokens + 1);
  }

  /** True once the bucket has refilled completely: its state carries nothing. */
  isFull(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.rate.capacity;
  }
}
