import type { ColumnarTable } from '@onsite/compute';
import { z } from 'zod';

/** Exact counts of a dataset, kept on the site; `policy/` decides what of them may leave it. */
export const datasetCountsSchema = z
  .object({
    rowCount: z.number().int().min(0),
    columns: z.array(
      z
        .object({
          name: z.string(),
          nonMissing: z.number().int().min(0),
          /** Rows per level for categorical columns and per `true`/`false` for boolean ones. */
          levels: z.record(z.string(), z.number().int().min(0)).optional(),
        })
        .strict(),
    ),
  })
  .strict();
export type DatasetCounts = z.infer<typeof datasetCountsSchema>;

/** Counts the rows, the non-missing values of every column and the rows per level. */
export function countTable(table: ColumnarTable): DatasetCounts {
  const columns = [...table.columns].map(([name, column]) => {
    const present = column.values.filter((value) => value !== null);
    const entry: DatasetCounts['columns'][number] = { name, nonMissing: present.length };

    if (column.type === 'categorical') {
      // Every level is listed, so a level with no rows shows as 0 rather than disappearing.
      const levels: Record<string, number> = Object.fromEntries(column.levels.map((level) => [level, 0]));
      for (const value of column.values) {
        if (value !== null) {
          levels[value] = (levels[value] ?? 0) + 1;
        }
      }
      entry.levels = levels;
    } else if (column.type === 'boolean') {
      const trueRows = present.filter((value) => value === true).length;
      entry.levels = { true: trueRows, false: present.length - trueRows };
    }

    return entry;
  });

  return { rowCount: table.rowCount, columns };
}

/**
 * Rounds a count to the nearest multiple of `multiple` (halves round up), so that a released row
 * count does not reveal the exact cohort size. A multiple of 1 leaves the count unchanged.
 */
export function roundCount(count: number, multiple: number): number {
  if (!Number.isInteger(multiple) || multiple < 1) {
    throw new RangeError(`rounding multiple must be a positive integer, got ${multiple}`);
  }
  return Math.round(count / multiple) * multiple;
}
