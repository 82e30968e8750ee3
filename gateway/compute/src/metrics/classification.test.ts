import { describe, expect, it } from 'vitest';

import { addSiteTensors } from '../stats/site-graph.js';
import { seededRandom } from '../stats/testing/csv-table.js';
import { validateUpdate } from '../aggregate/index.js';
import { siteTensorsToTensorMap } from '../stats/site-layout.js';
import {
  classificationSiteLayout,
  compileClassificationSiteGraph,
  computeClassificationSiteSums,
  LOG_LOSS_EPSILON,
} from './classification-site.js';
import { exactAuc, summarizeClassification } from './classification-summary.js';
import { compileScoreCountsSiteGraph, computeScoreCounts, sumScoreCounts } from './score-counts-site.js';

/** Independent metrics written as plain loops and an all-pairs AUC. */
function referenceMetrics(score: readonly number[], label: readonly number[], threshold: number, bins: number) {
  let correct = 0;
  let truePositives = 0;
  let positives = 0;
  let logLoss = 0;
  let brier = 0;
  score.forEach((p, i) => {
    const y = label[i] as number;
    const predicted = p >= threshold ? 1 : 0;
    correct += predicted === y ? 1 : 0;
    truePositives += predicted === 1 && y === 1 ? 1 : 0;
    positives += y;
    const q = Math.min(Math.max(p, LOG_LOSS_EPSILON), 1 - LOG_LOSS_EPSILON);
    logLoss += y === 1 ? -Math.log(q) : -Math.log(1 - q);
    brier += (p - y) ** 2;
  });

  const pairAuc = (key: (p: number) => number): number => {
    let wins = 0;
    let pairs = 0;
    score.forEach((p, i) => {
      if (label[i] !== 1) return;
      score.forEach((q, j) => {
        if (label[j] !== 0) return;
        pairs += 1;
        wins += key(p) > key(q) ? 1 : key(p) === key(q) ? 0.5 : 0;
      });
    });
    return wins / pairs;
  };

  const n = score.length;
  return {
    accuracy: correct / n,
    sensitivity: truePositives / positives,
    logLoss: logLoss / n,
    brier: brier / n,
    exactAuc: pairAuc((p) => p),
    binnedAuc: pairAuc((p) => Math.min(Math.floor(p * bins), bins - 1)),
  };
}

function expectRelative(actual: number | null, expected: number, tolerance: number): void {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.abs(expected));
}

describe('classification metrics', () => {
  const random = seededRandom(5);
  const n = 600;
  const label = Float64Array.from({ length: n }, () => (random() < 0.4 ? 1 : 0));
  // Scores on a 1/200 grid tie with each other; 0 and 1 exercise the log-loss clip and the last bin.
  const score = Float64Array.from(label, (y) => {
    const raw = Math.min(1, Math.max(0, 0.3 * y + 0.7 * random()));
    return random() < 0.05 ? y : Math.round(raw * 200) / 200;
  });
  const plan = { score: 'probability', label: 'relapse', bins: 50, threshold: 0.5 };

  it('matches plain sums and all-pairs AUCs in float64', async () => {
    const summary = summarizeClassification(await computeClassificationSiteSums(score, label, plan), plan);
    const reference = referenceMetrics(Array.from(score), Array.from(label), 0.5, 50);

    expect(summary.n).toBe(n);
    expectRelative(summary.accuracy, reference.accuracy, 1e-12);
    expectRelative(summary.sensitivity, reference.sensitivity, 1e-12);
    expectRelative(summary.logLoss, reference.logLoss, 1e-12);
    expectRelative(summary.brier, reference.brier, 1e-12);
    expectRelative(summary.auc, reference.binnedAuc, 1e-12);
    expect(summary.roc.falsePositiveRate.at(-1)).toBe(1);
    expect(summary.roc.truePositiveRate.at(-1)).toBe(1);
  });

  it('matches with float32 scores, within 1e-5 of float64', async () => {
    const single = Float32Array.from(score);
    const float32Plan = { ...plan, dtype: 'float32' as const };
    const summary = summarizeClassification(await computeClassificationSiteSums(single, label, float32Plan), float32Plan);
    const rounded = referenceMetrics(Array.from(single), Array.from(label), 0.5, 50);
    const exact = referenceMetrics(Array.from(score), Array.from(label), 0.5, 50);

    expectRelative(summary.logLoss, rounded.logLoss, 1e-12);
    expectRelative(summary.brier, rounded.brier, 1e-12);
    expectRelative(summary.logLoss, exact.logLoss, 1e-5);
    expectRelative(summary.brier, exact.brier, 1e-5);
  });

  it('adds three sites to the pooled metrics', async () => {
    const parts = [0, 200, 400].map((start) =>
      computeClassificationSiteSums(score.subarray(start, start + 200), label.subarray(start, start + 200), plan),
    );
    const summed = (await Promise.all(parts)).reduce(addSiteTensors);
    const pooled = summarizeClassification(await computeClassificationSiteSums(score, label, plan), plan);

    const fromSites = summarizeClassification(summed, plan);

    // Counts add exactly; sums of log-loss and Brier terms differ only by rounding order.
    expect(fromSites.n).toBe(pooled.n);
    expect(fromSites.accuracy).toBe(pooled.accuracy);
    expect(fromSites.auc).toBe(pooled.auc);
    expect(fromSites.roc).toEqual(pooled.roc);
    expectRelative(fromSites.logLoss, pooled.logLoss!, 1e-12);
    expectRelative(fromSites.brier, pooled.brier!, 1e-12);
  });

  it('gives the exact AUC from per-score counts summed over sites', async () => {
    const names = { score: 'probability', label: 'relapse' };
    const sites = await Promise.all(
      [0, 250].map((start) => computeScoreCounts(score.subarray(start, start + 350), label.subarray(start, start + 350), names)),
    );
    // The two slices overlap by 100 rows; the reference uses the same rows.
    const rows = [...Array.from({ length: 350 }, (_, i) => i), ...Array.from({ length: 350 }, (_, i) => 250 + i)];
    const reference = referenceMetrics(
      rows.map((i) => score[i]!),
      rows.map((i) => label[i]!),
      0.5,
      50,
    );

    expectRelative(exactAuc(sumScoreCounts(sites.map((site) => site.counts))), reference.exactAuc, 1e-12);
  });

  it('produces updates that match the declared layout', async () => {
    const tensors = await computeClassificationSiteSums(score, label, plan);
    const update = { siteId: 'site-a', sampleCount: n, tensors: siteTensorsToTensorMap(tensors) };
    const validation = validateUpdate(update, { layout: classificationSiteLayout(plan), maxL2Norm: Infinity });

    expect(validation.ok, JSON.stringify(validation)).toBe(true);
  });

  it('gives the same exact AUC from float32 scores as from their float64 values', async () => {
    const names = { score: 'probability', label: 'relapse' };
    const single = Float32Array.from(score);
    const { counts } = await computeScoreCounts(single, label, names);
    const reference = referenceMetrics(Array.from(single), Array.from(label), 0.5, 50);

    expectRelative(exactAuc(counts), reference.exactAuc, 1e-12);
  });

  it('compiles byte-identical graphs for the same plan', () => {
    expect(compileClassificationSiteGraph(plan).sha256).toBe(compileClassificationSiteGraph(plan).sha256);
    expect(compileClassificationSiteGraph({ ...plan, bins: 51 }).sha256).not.toBe(compileClassificationSiteGraph(plan).sha256);
    const names = { score: 'probability', label: 'relapse' };
    expect(compileScoreCountsSiteGraph(names).sha256).toBe(compileScoreCountsSiteGraph(names).sha256);
  });

  it.each([
    ['a score above 1', [1.2], [1], /score 1.2 is not a probability/],
    ['a NaN score', [Number.NaN], [0], /score NaN is not a probability/],
    ['a label of 2', [0.5], [2], /label 2 must be 0 or 1/],
    ['unequal lengths', [0.5, 0.2], [1], /2 scores but 1 labels/],
  ])('rejects %s', async (_case, scores, labels, message) => {
    await expect(computeClassificationSiteSums(Float64Array.from(scores), Float64Array.from(labels), plan)).rejects.toThrow(message);
  });

  it('rejects a plan whose score and label are the same input', () => {
    expect(() => compileClassificationSiteGraph({ score: 'y', label: 'y' })).toThrow(/must be different inputs/);
  });

  it('reports a null AUC when one class is absent', async () => {
    const summed = await computeClassificationSiteSums(Float64Array.from([0.2, 0.9]), Float64Array.from([1, 1]), plan);
    const summary = summarizeClassification(summed, plan);
    expect(summary.auc).toBeNull();
    expect(summary.specificity).toBeNull();
  });
});
