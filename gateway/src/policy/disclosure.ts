import type { PolicyDecision } from './check-task.js';
import type { SitePolicy } from './site-policy.js';

/**
 * Disclosure control for what leaves the site: small-cell suppression of count tables, binning of
 * event times and the bound on update norms. Each helper applies one site policy rule.
 */

/**
 * Returns whether a count is a small cell: more than zero and fewer than `minCellSize`. A zero
 * count is not suppressed, as in the usual threshold rule of statistical disclosure control.
 */
export function isSmallCell(policy: SitePolicy, count: number): boolean {
  return count > 0 && count < policy.minCellSize;
}

export type CellRelease =
  | {
      allowed: true;
      /** The table with each suppressed cell set to null. */
      counts: Record<string, number | null>;
      /** Keys of the suppressed cells, primary and secondary. */
      suppressed: string[];
    }
  | { allowed: false; code: 'small_cell'; reason: string };

/**
 * Applies the small-cell rule to one count table (for example the rows per level of a column).
 *
 * With `smallCellAction: refuse` any small cell rejects the release. With `suppress`, small cells
 * become null. When exactly one cell is suppressed and the table's total is released too, that
 * cell would equal the total minus the others, so the smallest remaining cell is suppressed as well
 * (secondary suppression).
 */
export function applyCellPolicy(
  policy: SitePolicy,
  counts: Readonly<Record<string, number>>,
  options: { totalReleased?: boolean } = {},
): CellRelease {
  const totalReleased = options.totalReleased ?? true;
  const entries = Object.entries(counts);
  const small = entries.filter(([, count]) => isSmallCell(policy, count)).map(([key]) => key);

  if (small.length > 0 && policy.smallCellAction === 'refuse') {
    return {
      allowed: false,
      code: 'small_cell',
      reason: `${small.length} cell${small.length > 1 ? 's' : ''} below the site policy's minCellSize (${policy.minCellSize}), and smallCellAction is refuse`,
    };
  }

  const suppressed = new Set(small);
  if (suppressed.size === 1 && totalReleased) {
    // A zero cell would not help: the suppressed cell would still be the total minus the rest.
    const remaining = entries
      .filter(([key, count]) => !suppressed.has(key) && count > 0)
      .sort(([keyA, countA], [keyB, countB]) => countA - countB || keyA.localeCompare(keyB));
    const smallest = remaining[0];
    if (smallest !== undefined) {
      suppressed.add(smallest[0]);
    }
  }

  const released: Record<string, number | null> = {};
  for (const [key, count] of entries) {
    released[key] = suppressed.has(key) ? null : count;
  }
  return { allowed: true, counts: released, suppressed: [...suppressed] };
}

/**
 * Returns an event time as it may leave the site: unchanged when `releaseExactEventTimes` is true,
 * otherwise rounded up to the end of its `eventTimeBinDays`-wide bin (0 stays 0). Rounding up
 * never moves an event before the time it was observed.
 *
 * NOTE: the bin width is in days, so this assumes the spec's time column is in days.
 */
export function releaseEventTime(policy: SitePolicy, timeDays: number): number {
  if (policy.releaseExactEventTimes) {
    return timeDays;
  }
  return Math.ceil(timeDays / policy.eventTimeBinDays) * policy.eventTimeBinDays;
}

/**
 * Checks an update before it leaves the site: every value finite and, when the policy sets
 * `maxUpdateNorm`, an L2 norm within it.
 */
export function checkUpdateNorm(policy: SitePolicy, values: ArrayLike<number>): PolicyDecision {
  let sumOfSquares = 0;
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i]!;
    if (!Number.isFinite(value)) {
      return { allowed: false, code: 'update_not_finite', reason: `update value at index ${i} is ${value}, not a finite number` };
    }
    sumOfSquares += value * value;
  }

  const norm = Math.sqrt(sumOfSquares);
  if (policy.maxUpdateNorm !== undefined && norm > policy.maxUpdateNorm) {
    return {
      allowed: false,
      code: 'update_norm_too_large',
      reason: `update L2 norm ${norm} is above the site policy's maxUpdateNorm (${policy.maxUpdateNorm})`,
    };
  }
  return { allowed: true };
}
