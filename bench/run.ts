/** `npm run bench -- [options]`: see bench.ts and docs/performance.md. */
import { bench, BenchUsageError } from './bench.ts';

try {
  process.exitCode = await bench(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof BenchUsageError)) throw error;
  process.stderr.write(`bench: ${error.message}\n`);
  process.exitCode = 2;
}
