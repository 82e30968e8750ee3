import { readFloat64, type SiteTensors } from '../stats/site-graph.js';
import { multiclassOutputs, multiclassPlanSchema, type MulticlassPlanInput } from './multiclass-site.js';
import { aucFromOrderedCounts } from './roc.js';

/** One-vs-rest metrics of one class. Ratios are null when their denominator is 0. */
export interface MulticlassClassMetrics {
  /** Class name. */
  level: string;
  /** Rows observed in this class. */
  support: number;
  /** Share of the rows predicted as this class that belong to it. */
  precision: number | null;
  /** Share of the rows of this class predicted as it. */
  recall: number | null;
  /**
   * Harmonic mean of precision and recall, as 2·TP / (support + predicted). It is 0 for a class
   * with rows that is never predicted (precision undefined), and null only for a class that is
   * neither observed nor predicted.
   */
  f1: number | null;
  /** One-vs-rest AUC of this class's probability, from its histogram (ties within a bin count one half). */
  auc: number | null;
}

/** Pooled multi-class classification metrics. Ratios are null when their denominator is 0. */
export interface MulticlassSummary {
  n: number;
  classes: number;
  /** Share of rows whose argmax class is the observed class. */
  accuracy: number | null;
  /** Mean clipped log-loss (natural log). */
  logLoss: number | null;
  /** Mean multi-class Brier score Σ_k (p_k − onehot_k)², in [0, 2]. For K = 2 it is twice the binary score. */
  brier: number | null;
  /** Row counts: `confusion[observed][predicted]`. */
  confusion: number[][];
  perClass: MulticlassClassMetrics[];
  /** Unweighted mean of the per-class AUCs that are not null, or null when all are null. */
  macroAuc: number | null;
  /** Mean of the per-class AUCs that are not null, weighted by support, or null when all are null. */
  weightedAuc: number | null;
  /** Unweighted mean of the per-class F1 scores that are not null, or null when all are null. */
  macroF1: number | null;
  bins: number;
}

/**
 * Turns summed multi-class tensors into metrics. Each is a ratio of sums, so the pooled value
 * equals the value over all sites' rows together (the AUCs up to the histogram's resolution).
 * `levels` names the classes in index order; the default is "0" to "K−1".
 */
export function summarizeMulticlass(summed: SiteTensors, planInput: MulticlassPlanInput, levels?: readonly string[]): MulticlassSummary {
  const plan = multiclassPlanSchema.parse(planInput);
  const classes = plan.classes;
  const names = levels ?? Array.from({ length: classes }, (_, k) => String(k));
  if (names.length !== classes) {
    throw new RangeError(`${names.length} levels for ${classes} classes; pass one name per class, in class-index order`);
  }

  const scalar = (name: string): number => readFloat64(summed, name)[0] as number;
  const n = scalar(multiclassOutputs.rows);
  const confusion = readConfusion(summed, classes);
  const histogram = readFloat64(summed, multiclassOutputs.scoreHistogram);
  if (histogram.length !== classes * 2 * plan.bins) {
    throw new RangeError(
      `score histogram contains ${histogram.length} cells; the plan's ${classes} classes and ${plan.bins} bins need ${classes * 2 * plan.bins}`,
    );
  }

  let correct = 0;
  const perClass = names.map((level, k): MulticlassClassMetrics => {
    const truePositives = confusion[k]![k]!;
    correct += truePositives;
    const support = confusion[k]!.reduce((sum, count) => sum + count, 0);
    const predicted = confusion.reduce((sum, row) => sum + row[k]!, 0);
    const precision = ratio(truePositives, predicted);
    const recall = ratio(truePositives, support);
    // 2TP / (support + predicted) equals 2PR / (P + R) where both are defined. It also gives 0 for
    // a class never predicted, so the macro F1 counts a class the model ignores as a failure.
    const f1 = ratio(2 * truePositives, support + predicted);

    const start = k * 2 * plan.bins;
    const negatives = Array.from(histogram.subarray(start, start + plan.bins));
    const positives = Array.from(histogram.subarray(start + plan.bins, start + 2 * plan.bins));
    return { level, support, precision, recall, f1, auc: aucFromOrderedCounts(negatives, positives) };
  });

  const withAuc = perClass.filter((entry): entry is MulticlassClassMetrics & { auc: number } => entry.auc !== null);
  const withF1 = perClass.filter((entry): entry is MulticlassClassMetrics & { f1: number } => entry.f1 !== null);
  return {
    n,
    classes,
    accuracy: ratio(correct, n),
    logLoss: ratio(scalar(multiclassOutputs.logLossSum), n),
    brier: ratio(scalar(multiclassOutputs.brierSum), n),
    confusion,
    perClass,
    macroAuc: macroAverageAuc(perClass.map((entry) => entry.auc)),
    weightedAuc: ratio(
      withAuc.reduce((sum, entry) => sum + entry.support * entry.auc, 0),
      withAuc.reduce((sum, entry) => sum + entry.support, 0),
    ),
    macroF1: mean(withF1.map((entry) => entry.f1)),
    bins: plan.bins,
  };
}

/**
 * Averages the one-vs-rest AUCs that are not null (classes with both positives and negatives)
 * without weights. Returns null when all are null.
 */
export function macroAverageAuc(aucs: ReadonlyArray<number | null>): number | null {
  return mean(aucs.filter((auc): auc is number => auc !== null));
}

function readConfusion(summed: SiteTensors, classes: number): number[][] {
  const cells = readFloat64(summed, multiclassOutputs.confusion);
  if (cells.length !== classes * classes) {
    throw new RangeError(`confusion matrix contains ${cells.length} cells; ${classes} classes need ${classes * classes}`);
  }
  return Array.from({ length: classes }, (_, observed) => Array.from(cells.subarray(observed * classes, (observed + 1) * classes)));
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

function mean(values: readonly number[]): number | null {
  return values.length > 0 ? values.reduce((sum, value) => sum + value, 0) / values.length : null;
}
