import { roundCount, type ColumnSchema, type DatasetCounts } from '../data/index.js';
import { applyCellPolicy } from './disclosure.js';
import type { SitePolicy } from './site-policy.js';

/** A column as the cloud may see it: schema plus policy-controlled counts. */
export interface ReleasedColumn extends ColumnSchema {
  /** Non-missing values, rounded to `roundCountsTo`. */
  nonMissing: number;
  /** Rows per level after small-cell suppression (null = suppressed); absent for other types. */
  levelCounts?: Record<string, number | null>;
}

export interface ReleasedDatasetSummary {
  /** Row count rounded to the site policy's `roundCountsTo`. */
  rowCount: number;
  columns: ReleasedColumn[];
}

export type DatasetSummaryRelease =
  | { allowed: true; summary: ReleasedDatasetSummary }
  | { allowed: false; reason: string };

/**
 * Builds the description of a dataset that may be sent to the cloud: schema, row count rounded per
 * policy, and per-level counts with small cells suppressed. Only columns the policy allows are
 * described. A dataset smaller than `minCohortSize`, or one with a small cell under
 * `smallCellAction: refuse`, is not released at all.
 */
export function summarizeDatasetForRelease(
  policy: SitePolicy,
  dataset: { schema: readonly ColumnSchema[]; counts: DatasetCounts },
): DatasetSummaryRelease {
  if (dataset.counts.rowCount < policy.minCohortSize) {
    return { allowed: false, reason: `the dataset has fewer rows than the site policy's minCohortSize (${policy.minCohortSize})` };
  }

  const countsByName = new Map(dataset.counts.columns.map((column) => [column.name, column]));
  const allowedColumns = policy.allowedColumns === 'all' ? undefined : new Set(policy.allowedColumns);
  const columns: ReleasedColumn[] = [];

  for (const schema of dataset.schema) {
    if (allowedColumns !== undefined && !allowedColumns.has(schema.name)) {
      continue;
    }
    const counts = countsByName.get(schema.name);
    if (counts === undefined) {
      throw new Error(`dataset counts have no entry for column "${schema.name}"; add the dataset again to recount it`);
    }

    const column: ReleasedColumn = { ...schema, nonMissing: roundCount(counts.nonMissing, policy.roundCountsTo) };
    if (counts.levels !== undefined) {
      const release = applyCellPolicy(policy, counts.levels);
      if (!release.allowed) {
        return { allowed: false, reason: `column "${schema.name}": ${release.reason}` };
      }
      column.levelCounts = release.counts;
    }
    columns.push(column);
  }

  return { allowed: true, summary: { rowCount: roundCount(dataset.counts.rowCount, policy.roundCountsTo), columns } };
}
