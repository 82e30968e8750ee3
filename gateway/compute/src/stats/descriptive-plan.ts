import { z } from 'zod';

import type { TensorLayout } from '../weights/tensor-map.js';
import { float64Layout } from './site-layout.js';

/** Maximum histogram bins or category levels per column, because the site graph builds an n × cells matrix. */
export const MAX_DESCRIPTIVE_CELLS = 10_000;

const columnSchema = z.string().min(1).max(128);

/**
 * One numeric column: count, sum and sum of squares of the non-missing values, and optionally a
 * histogram over `binEdges`. Values are shifted by `shift` before summing (Σ(x − shift),
 * Σ(x − shift)²): a rough centre (from the dataset's metadata, for example) keeps the variance free
 * of cancellation when the mean is large next to the spread. The mean and SD do not depend on it.
 */
export const numericSummarySchema = z
  .object({
    column: columnSchema,
    binEdges: z.array(z.number().finite()).min(2).max(MAX_DESCRIPTIVE_CELLS).optional(),
    shift: z.number().finite().default(0),
  })
  .strict()
  .refine((entry) => entry.binEdges === undefined || entry.binEdges.every((edge, i, edges) => i === 0 || edge > (edges[i - 1] as number)), {
    message: 'binEdges must be strictly ascending',
    path: ['binEdges'],
  });

/** One categorical column: counts per listed level, plus values outside the list and missing values. */
export const categoricalSummarySchema = z
  .object({
    column: columnSchema,
    levels: z.array(z.string().min(1).max(128)).min(1).max(MAX_DESCRIPTIVE_CELLS),
  })
  .strict()
  .refine((entry) => new Set(entry.levels).size === entry.levels.length, { message: 'levels must not repeat', path: ['levels'] });

/** The plan of a descriptive-statistics job. Every column is named, never given by position. */
export const descriptivePlanSchema = z
  .object({
    numeric: z.array(numericSummarySchema).default([]),
    categorical: z.array(categoricalSummarySchema).default([]),
    /** Dtype of the numeric inputs of the graph; sums are always taken in float64. */
    dtype: z.enum(['float32', 'float64']).default('float64'),
  })
  .strict()
  .refine((plan) => plan.numeric.length + plan.categorical.length > 0, { message: 'list at least one numeric or categorical column' })
  .refine(
    (plan) => {
      const names = [...plan.numeric, ...plan.categorical].map((entry) => entry.column);
      return new Set(names).size === names.length;
    },
    { message: 'each column may appear once' },
  );

export type DescriptivePlan = z.infer<typeof descriptivePlanSchema>;
export type DescriptivePlanInput = z.input<typeof descriptivePlanSchema>;

/** Output names of the descriptive site graph. */
export const descriptiveOutputs = {
  rows: 'stats/rows',
  count: (column: string) => `stats/${column}/count`,
  missing: (column: string) => `stats/${column}/missing`,
  sum: (column: string) => `stats/${column}/sum`,
  sumSquares: (column: string) => `stats/${column}/sum_squares`,
  /** Cells: below the first edge, one per bin, above the last edge. */
  histogram: (column: string) => `stats/${column}/histogram`,
  /** Cells: one per listed level, then values not listed, then missing values. */
  levelCounts: (column: string) => `stats/${column}/level_counts`,
};

/** Names and shapes of the descriptive site outputs, to validate and sum site updates. */
export function descriptiveSiteLayout(planInput: DescriptivePlanInput): TensorLayout {
  const plan = descriptivePlanSchema.parse(planInput);
  const shapes: Record<string, number[]> = { [descriptiveOutputs.rows]: [] };
  for (const entry of plan.numeric) {
    shapes[descriptiveOutputs.count(entry.column)] = [];
    shapes[descriptiveOutputs.missing(entry.column)] = [];
    shapes[descriptiveOutputs.sum(entry.column)] = [];
    shapes[descriptiveOutputs.sumSquares(entry.column)] = [];
    if (entry.binEdges !== undefined) {
      shapes[descriptiveOutputs.histogram(entry.column)] = [entry.binEdges.length + 1];
    }
  }
  for (const entry of plan.categorical) {
    shapes[descriptiveOutputs.levelCounts(entry.column)] = [entry.levels.length + 2];
  }
  return float64Layout(shapes);
}
