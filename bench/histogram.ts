/**
 * A small mergeable latency histogram (HdrHistogram-like, log-linear
 * buckets, < 0.8 % relative error). Load-generator workers each fill one and
 * send it to the coordinator as plain numbers, where they are merged — which
 * percentiles alone could not be.
 *
 * Values are non-negative integers in any unit (the bench uses microseconds).
 */

/** Values below this are counted exactly. */
const LINEAR = 256;
/** Sub-buckets per power of two above LINEAR (2^7: relative error < 1/128). */
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS;
const MAX_VALUE = 2 ** 31 - 1;

function indexOf(value: number): number {
  if (value < LINEAR) return value;
  const exponent = 31 - Math.clz32(value); // floor(log2 value), >= 8
  const shift = exponent - SUB_BITS;
  const mantissa = value >>> shift; // in [SUB, 2 * SUB)
  return LINEAR + (exponent - 8) * SUB + (mantissa - SUB);
}

/** The middle of the bucket's range: what a percentile falling in it reports. */
function valueOf(index: number): number {
  if (index < LINEAR) return index;
  const exponent = 8 + Math.floor((index - LINEAR) / SUB);
  const mantissa = SUB + ((index - LINEAR) % SUB);
  const shift = exponent - SUB_BITS;
  return mantissa * 2 ** shift + (2 ** shift - 1) / 2;
}

export interface HistogramData {
  /** [bucket index, count] pairs. */
  buckets: [number, number][];
  count: number;
  min: number;
  max: number;
  sum: number;
}

export class Histogram {
  #counts: number[] = [];
  count = 0;
  min = Infinity;
  max = 0;
  sum = 0;

  record(value: number): void {
    const v = value <= 0 ? 0 : value >= MAX_VALUE ? MAX_VALUE : Math.round(value);
    const i = indexOf(v);
    this.#counts[i] = (this.#counts[i] ?? 0) + 1;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** The value at percentile `p` (0–100); 0 when empty. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i] ?? 0;
      if (seen >= rank) return Math.min(Math.max(valueOf(i), this.min), this.max);
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  merge(other: Histogram | HistogramData): this {
    const data = other instanceof Histogram ? other.toJSON() : other;
    for (const [i, n] of data.buckets) this.#counts[i] = (this.#counts[i] ?? 0) + n;
    this.count += data.count;
    this.sum += data.sum;
    if (data.count > 0) {
      this.min = Math.min(this.min, data.min);
      this.max = Math.max(this.max, data.max);
    }
    return this;
  }

  reset(): void {
    this.#counts = [];
    this.count = 0;
    this.min = Infinity;
    this.max = 0;
    this.sum = 0;
  }

  toJSON(): HistogramData {
    const buckets: [number, number][] = [];
    this.#counts.forEach((n, i) => {
      if (n) buckets.push([i, n]);
    });
    return {
      buckets,
      count: this.count,
      min: this.count ? this.min : 0,
      max: this.max,
      sum: this.sum,
    };
  }

  static from(data: HistogramData): Histogram {
    return new Histogram().merge(data);
  }
}
