import { readFloat64, type SiteTensors } from '../stats/site-graph.js';
import { classificationOutputs, classificationPlanSchema, type ClassificationPlanInput } from './classification-site.js';
import { aucFromOrderedCounts, rocFromOrderedCounts, type RocCurve } from './roc.js';
import type { ScoreCounts } from './score-counts-site.js';

/** Pooled binary-classification metrics. Ratios are null when their denominator is 0. */
export interface ClassificationSummary {
  n: number;
  positives: number;
  accuracy: number | null;
  /** True positive rate at the threshold. */
  sensitivity: number | null;
  /** True negative rate at the threshold. */
  specificity: number | null;
  /** Mean clipped log-loss (natural log). */
  logLoss: number | null;
  /** Mean squared error of the probability. */
  brier: number | null;
  /** AUC from the summed score histograms (ties within a bin count one half). */
  auc: number | null;
  roc: RocCurve;
  threshold: number;
  bins: number;
}

/**
 * Turns summed classification tensors into metrics: each is a ratio of sums, so the pooled value
 * equals the value over all sites' rows together (the AUC up to the histogram's resolution).
 */
export function summarizeClassification(summed: SiteTensors, planInput: ClassificationPlanInput): ClassificationSummary {
  const plan = classificationPlanSchema.parse(planInput);
  const scalar = (name: string): number => readFloat64(summed, name)[0] as number;
  const n = scalar(classificationOutputs.rows);
  const positives = scalar(classificationOutputs.positives);
  const negatives = n - positives;
  const truePositives = scalar(classificationOutputs.truePositives);
  const falsePositives = scalar(classificationOutputs.falsePositives);
  const trueNegatives = negatives - falsePositives;
  const ratio = (numerator: number, denominator: number): number | null => (denominator > 0 ? numerator / denominator : null);

  const histogram = readFloat64(summed, classificationOutputs.scoreHistogram);
  if (histogram.length !== 2 * plan.bins) {
    throw new RangeError(`score histogram contains ${histogram.length} cells; the plan's ${plan.bins} bins need ${2 * plan.bins}`);
  }
  const negativeCells = Array.from(histogram.subarray(0, plan.bins));
  const positiveCells = Array.from(histogram.subarray(plan.bins));
  const binStarts = negativeCells.map((_, i) => i / plan.bins);

  return {
    n,
    positives,
    accuracy: ratio(truePositives + trueNegatives, n),
    sensitivity: ratio(truePositives, positives),
    specificity: ratio(trueNegatives, negatives),
    logLoss: ratio(scalar(classificationOutputs.logLossSum), n),
    brier: ratio(scalar(classificationOutputs.brierSum), n),
    auc: aucFromOrderedCounts(negativeCells, positiveCells),
    roc: rocFromOrderedCounts(negativeCells, positiveCells, binStarts),
    threshold: plan.threshold,
    bins: plan.bins,
  };
}

/** Exact AUC from summed per-score counts (see `sumScoreCounts`); ties count one half. */
export function exactAuc(counts: ScoreCounts): number | null {
  return aucFromOrderedCounts(counts.negatives, counts.positives);
}
