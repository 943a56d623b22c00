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

  /** Milliseconds until `count` tokens are available (0: they are now). */
  waitMs(now: number, count = 1): number {
    this.#refill(now);
    if (this.#tokens >= count) return 0;
    return Math.ceil(((count - this.#tokens) / this.rate.perSecond) * 1000);
  }

  /** Takes `count` tokens if that many are available (all or none). */
  take(now: number, count = 1): boolean {
    this.#refill(now);
    if (this.#tokens < count) return false;
    this.#tokens -= count;
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
