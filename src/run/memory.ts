// The memory an ES iteration's per-offspring buffers need (tasks, rewards, the estimate's index and
// gradient terms, the evaluator's copies), checked against the machine before a run starts.
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { formatCount } from '../data/errors.ts';
import { UsageError } from '../types.ts';

/**
 * Bytes per offspring of one iteration, rounded up: ask()'s task objects and tell()'s rewards, index,
 * fitness and gradient terms measured ~270 B (peak RSS of ask + tell, N = 1M and 4M), plus the
 * evaluator's copies of the tasks and rewards.
 */
export const ES_BYTES_PER_OFFSPRING = 400;

/** What a run may use: half the machine's memory, and no more than V8's heap limit (the tasks live there). */
export interface MemoryBudget {
  readonly totalBytes: number;
  readonly heapLimitBytes: number;
}

export function machineBudget(): MemoryBudget {
  return { totalBytes: totalmem(), heapLimitBytes: getHeapStatistics().heap_size_limit };
}

function gigabytes(bytes: number): string {
  const gb = bytes / 2 ** 30;
  return `${gb >= 10 ? gb.toFixed(0) : gb.toFixed(1)} GB`;
}

/**
 * Throws a one-line UsageError, naming the setting as `name`, when `population` offspring per
 * iteration would not fit in `budget`.
 */
export function checkEsMemory(
  population: number,
  budget: MemoryBudget = machineBudget(),
  name = '--population',
): void {
  const needBytes = population * ES_BYTES_PER_OFFSPRING;
  const halfMachine = budget.totalBytes / 2;
  const allowed = Math.min(halfMachine, budget.heapLimitBytes);
  if (needBytes <= allowed) return;
  const why =
    allowed < halfMachine
      ? `Node's heap limit of ${gigabytes(allowed)} (raise it with NODE_OPTIONS=--max-old-space-size=MB)`
      : `${gigabytes(allowed)}, half of this machine's ${gigabytes(budget.totalBytes)}`;
  const most = Math.floor(allowed / ES_BYTES_PER_OFFSPRING / 2) * 2;
  throw new UsageError(
    `${name} ${population}: an ES iteration would need about ${gigabytes(needBytes)} for its ` +
      `offspring (~${ES_BYTES_PER_OFFSPRING} bytes each), more than ${why}; use at most ${formatCount(most)}`,
  );
}
