/** `natter bench`: the load generator and InspIRCd comparison in bench/ (docs/performance.md). */
import { bench as runBench, BenchUsageError } from '../../bench/bench.ts';
import { UsageError } from './options.ts';

export async function bench(argv: readonly string[]): Promise<number> {
  try {
    return await runBench(argv);
  } catch (error) {
    if (error instanceof BenchUsageError) throw new UsageError(error.message);
    throw error;
  }
}
