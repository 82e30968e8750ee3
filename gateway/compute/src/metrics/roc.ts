/** Points of a ROC curve, from the strictest threshold (0, 0) to the loosest (1, 1). */
export interface RocCurve {
  /** Score threshold of each point: rows scoring at or above it are called positive. */
  threshold: number[];
  falsePositiveRate: number[];
  truePositiveRate: number[];
}

/**
 * Area under the ROC curve from per-class counts in ordered score cells (bins or distinct scores,
 * ascending). It is the trapezoid rule over the ROC points between cells, which equals the
 * probability that a random positive outscores a random negative, with pairs in the same cell
 * counted one half (the Mann–Whitney statistic with ties). Null when a class is empty.
 */
export function aucFromOrderedCounts(negatives: readonly number[], positives: readonly number[]): number | null {
  checkCounts(negatives, positives);
  const totalNegatives = negatives.reduce((sum, value) => sum + value, 0);
  const totalPositives = positives.reduce((sum, value) => sum + value, 0);
  if (totalNegatives === 0 || totalPositives === 0) {
    return null;
  }

  let negativesBelow = 0;
  let wins = 0;
  for (let i = 0; i < negatives.length; i += 1) {
    const cellNegatives = negatives[i] as number;
    wins += (positives[i] as number) * (negativesBelow + cellNegatives / 2);
    negativesBelow += cellNegatives;
  }
  return wins / (totalNegatives * totalPositives);
}

/** ROC points from per-class counts in ascending score cells whose lower bounds are `thresholds`. */
export function rocFromOrderedCounts(
  negatives: readonly number[],
  positives: readonly number[],
  thresholds: readonly number[],
): RocCurve {
  checkCounts(negatives, positives);
  if (thresholds.length !== negatives.length) {
    throw new RangeError(`${thresholds.length} thresholds for ${negatives.length} cells; give one per cell`);
  }
  const totalNegatives = negatives.reduce((sum, value) => sum + value, 0);
  const totalPositives = positives.reduce((sum, value) => sum + value, 0);

  const curve: RocCurve = { threshold: [Infinity], falsePositiveRate: [0], truePositiveRate: [0] };
  let falsePositives = 0;
  let truePositives = 0;
  for (let i = negatives.length - 1; i >= 0; i -= 1) {
    falsePositives += negatives[i] as number;
    truePositives += positives[i] as number;
    curve.threshold.push(thresholds[i] as number);
    curve.falsePositiveRate.push(totalNegatives === 0 ? 0 : falsePositives / totalNegatives);
    curve.truePositiveRate.push(totalPositives === 0 ? 0 : truePositives / totalPositives);
  }
  return curve;
}

function checkCounts(negatives: readonly number[], positives: readonly number[]): void {
  if (negatives.length !== positives.length) {
    throw new RangeError(`${negatives.length} negative cells but ${positives.length} positive cells; the classes need the same cells`);
  }
  for (const [label, counts] of [
    ['negative', negatives],
    ['positive', positives],
  ] as const) {
    counts.forEach((value, i) => {
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(`${label} count ${i} is ${value}; counts must be finite and non-negative`);
      }
    });
  }
}
