import { describe, expect, it } from 'vitest';

import { validateUpdate } from '../aggregate/index.js';
import type { ContributionFromSite, SitePrivacy } from '../protocol/computation.js';
import {
  multiclassContribution,
  multiclassEvaluationPlan,
  multiclassLayout,
  multiclassScoreTensorNames,
  summarizeMulticlassContributions,
} from '../protocol/evaluation.js';
import { addSiteTensors, readFloat64, type SiteTensors } from '../stats/site-graph.js';
import { siteTensorsToTensorMap } from '../stats/site-layout.js';
import { seededRandom } from '../stats/testing/csv-table.js';
import type { TensorMap } from '../weights/tensor-map.js';
import { computeClassificationSiteSums, LOG_LOSS_EPSILON } from './classification-site.js';
import {
  checkMulticlassInputs,
  compileMulticlassSiteGraph,
  computeMulticlassSiteSums,
  multiclassOutputs,
  multiclassSiteLayout,
  type MulticlassPlanInput,
} from './multiclass-site.js';
import { summarizeMulticlass, type MulticlassSummary } from './multiclass-summary.js';

/** Independent multi-class metrics written as plain loops over rows, pairs and classes. */
function referenceMulticlass(probabilities: ArrayLike<number>, labels: ArrayLike<number>, classes: number, bins: number) {
  const n = labels.length;
  const value = (row: number, k: number): number => probabilities[row * classes + k] as number;
  const binOf = (p: number): number => Math.min(Math.floor(p * bins), bins - 1);

  let logLossSum = 0;
  let brierSum = 0;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const histogram = new Array<number>(classes * 2 * bins).fill(0);
  for (let row = 0; row < n; row += 1) {
    const label = labels[row] as number;
    const q = Math.min(Math.max(value(row, label), LOG_LOSS_EPSILON), 1 - LOG_LOSS_EPSILON);
    logLossSum -= Math.log(q);

    let predicted = 0;
    for (let k = 0; k < classes; k += 1) {
      const target = k === label ? 1 : 0;
      brierSum += (value(row, k) - target) ** 2;
      if (value(row, k) > value(row, predicted)) predicted = k;
      const cell = k * 2 * bins + target * bins + binOf(value(row, k));
      histogram[cell] = histogram[cell]! + 1;
    }
    const observed = confusion[label]!;
    observed[predicted] = observed[predicted]! + 1;
  }

  // Probability that a row of class k outscores a row of another class on p_k; ties count one half.
  const pairAuc = (k: number, key: (p: number) => number): number | null => {
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < n; i += 1) {
      if (labels[i] !== k) continue;
      for (let j = 0; j < n; j += 1) {
        if (labels[j] === k) continue;
        const a = key(value(i, k));
        const b = key(value(j, k));
        pairs += 1;
        if (a > b) wins += 1;
        if (a === b) wins += 0.5;
      }
    }
    return pairs === 0 ? null : wins / pairs;
  };

  const perClass = Array.from({ length: classes }, (_, k) => {
    const support = confusion[k]!.reduce((sum, count) => sum + count, 0);
    const predicted = confusion.reduce((sum, row) => sum + row[k]!, 0);
    const truePositives = confusion[k]![k]!;
    const precision = predicted > 0 ? truePositives / predicted : null;
    const recall = support > 0 ? truePositives / support : null;
    // Harmonic mean where both are defined. A class observed but never predicted, or predicted but
    // never observed, has no true positive and scores 0. A class that is neither has no F1.
    let f1: number | null = precision === null && recall === null ? null : 0;
    if (precision !== null && recall !== null && precision + recall > 0) {
      f1 = (2 * precision * recall) / (precision + recall);
    }
    return { support, precision, recall, f1, binnedAuc: pairAuc(k, binOf), exactAuc: pairAuc(k, (p) => p) };
  });

  const average = (values: Array<number | null>): number | null => {
    const defined = values.filter((entry): entry is number => entry !== null);
    return defined.length === 0 ? null : defined.reduce((sum, entry) => sum + entry, 0) / defined.length;
  };
  let weightedSum = 0;
  let weightTotal = 0;
  for (const entry of perClass) {
    if (entry.binnedAuc === null) continue;
    weightedSum += entry.support * entry.binnedAuc;
    weightTotal += entry.support;
  }
  let correct = 0;
  for (let k = 0; k < classes; k += 1) correct += confusion[k]![k]!;

  return {
    n,
    logLossSum,
    brierSum,
    confusion,
    histogram,
    accuracy: n > 0 ? correct / n : null,
    perClass,
    macroAuc: average(perClass.map((entry) => entry.binnedAuc)),
    weightedAuc: weightTotal > 0 ? weightedSum / weightTotal : null,
    macroF1: average(perClass.map((entry) => entry.f1)),
    exactMacroAuc: average(perClass.map((entry) => entry.exactAuc)),
  };
}

type Reference = ReturnType<typeof referenceMulticlass>;

/** Paths of every NaN or infinite number in a JSON-like value. */
function nonFiniteNumbers(value: unknown, path = '$'): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [`${path} = ${value}`];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, entry]) => nonFiniteNumbers(entry, `${path}.${key}`));
}

function expectRelative(actual: number | null, expected: number | null, tolerance: number): void {
  expect(expected, 'the reference value is null').not.toBeNull();
  expect(actual, `expected ${expected}`).not.toBeNull();
  expect(Math.abs(actual! - expected!), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.abs(expected!));
}

/** Checks every output tensor of the site graph against the reference. */
function expectSumsMatch(sums: SiteTensors, reference: Reference, tolerance: number): void {
  expect(readFloat64(sums, multiclassOutputs.rows)[0]).toBe(reference.n);
  expectRelative(readFloat64(sums, multiclassOutputs.logLossSum)[0]!, reference.logLossSum, tolerance);
  expectRelative(readFloat64(sums, multiclassOutputs.brierSum)[0]!, reference.brierSum, tolerance);
  expect(Array.from(readFloat64(sums, multiclassOutputs.confusion))).toEqual(reference.confusion.flat());
  expect(Array.from(readFloat64(sums, multiclassOutputs.scoreHistogram))).toEqual(reference.histogram);
}

/** Checks every figure of a summary against the reference, the binned AUCs included. */
function expectSummaryMatches(summary: MulticlassSummary, reference: Reference, tolerance: number): void {
  expect(summary.n).toBe(reference.n);
  expect(summary.confusion).toEqual(reference.confusion);
  expectRelative(summary.accuracy, reference.accuracy, tolerance);
  expectRelative(summary.logLoss, reference.logLossSum / reference.n, tolerance);
  expectRelative(summary.brier, reference.brierSum / reference.n, tolerance);
  expectRelative(summary.macroAuc, reference.macroAuc, tolerance);
  expectRelative(summary.weightedAuc, reference.weightedAuc, tolerance);
  expectRelative(summary.macroF1, reference.macroF1, tolerance);
  summary.perClass.forEach((entry, k) => {
    const expected = reference.perClass[k]!;
    expect(entry.support).toBe(expected.support);
    expectRelative(entry.precision, expected.precision, tolerance);
    expectRelative(entry.recall, expected.recall, tolerance);
    expectRelative(entry.f1, expected.f1, tolerance);
    expectRelative(entry.auc, expected.binnedAuc, tolerance);
  });
}

/**
 * Builds random rows with many ties. Three in four rows split a few whole units among the classes,
 * which gives probabilities such as 0, 0.25, 0.5 and 1, exact bin edges and tied maxima. The other
 * rows are softmax outputs of random logits. Labels lean towards the most probable class.
 */
function tiedRows(seed: number, n: number, classes: number): { probabilities: Float64Array; labels: Float64Array } {
  const random = seededRandom(seed);
  const probabilities = new Float64Array(n * classes);
  const labels = new Float64Array(n);
  for (let row = 0; row < n; row += 1) {
    const weights = Array.from({ length: classes }, () => (random() < 0.8 ? Math.floor(random() * 3) : 0));
    if (random() < 0.25) {
      const logits = Array.from({ length: classes }, () => 3 * random());
      weights.splice(0, classes, ...logits.map((logit) => Math.exp(logit)));
    } else if (!weights.some((weight) => weight > 0)) {
      weights[Math.floor(random() * classes)] = 1;
    }
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    weights.forEach((weight, k) => {
      probabilities[row * classes + k] = weight / total;
    });

    const best = weights.indexOf(Math.max(...weights));
    labels[row] = random() < 0.6 ? best : Math.floor(random() * classes);
  }
  return { probabilities, labels };
}

describe('multi-class metrics', () => {
  const classes = 4;
  const n = 500;
  const { probabilities, labels } = tiedRows(11, n, classes);
  const plan: MulticlassPlanInput = { probabilities: 'class_probabilities', label: 'grade', classes, bins: 20 };

  it('matches plain sums and pairwise AUCs in float64', async () => {
    const sums = await computeMulticlassSiteSums(probabilities, labels, plan);
    const reference = referenceMulticlass(probabilities, labels, classes, 20);

    expectSumsMatch(sums, reference, 1e-12);
    expectSummaryMatches(summarizeMulticlass(sums, plan), reference, 1e-12);
  });

  it('covers ties, bin edges and the log-loss clip', () => {
    const values = new Set(probabilities);
    for (const edge of [0, 0.5, 1]) expect(values.has(edge)).toBe(true);

    let tiedMaxima = 0;
    let zeroForLabel = 0;
    for (let row = 0; row < n; row += 1) {
      const rowValues = Array.from(probabilities.subarray(row * classes, (row + 1) * classes));
      const max = Math.max(...rowValues);
      tiedMaxima += rowValues.filter((value) => value === max).length > 1 ? 1 : 0;
      zeroForLabel += rowValues[labels[row]!] === 0 ? 1 : 0;
    }
    expect(tiedMaxima).toBeGreaterThan(20);
    expect(zeroForLabel).toBeGreaterThan(5);
  });

  it('breaks argmax ties towards the lowest class', async () => {
    const tied = Float64Array.from([0.5, 0.5, 0, 0.2, 0.4, 0.4, 1 / 3, 1 / 3, 1 / 3]);
    const sums = await computeMulticlassSiteSums(tied, Float64Array.from([1, 2, 2]), { ...plan, classes: 3 });

    // Observed 1 → predicted 0, observed 2 → predicted 1, observed 2 → predicted 0.
    expect(Array.from(readFloat64(sums, multiclassOutputs.confusion))).toEqual([0, 0, 0, 1, 0, 0, 1, 1, 0]);
  });

  it('matches float32 inputs, within 1e-5 of float64', async () => {
    const single = Float32Array.from(probabilities);
    const float32Plan = { ...plan, dtype: 'float32' as const };
    const sums = await computeMulticlassSiteSums(single, labels, float32Plan);
    const rounded = referenceMulticlass(single, labels, classes, 20);
    const exact = referenceMulticlass(probabilities, labels, classes, 20);

    expectSumsMatch(sums, rounded, 1e-12);
    expectRelative(readFloat64(sums, multiclassOutputs.logLossSum)[0]!, exact.logLossSum, 1e-5);
    expectRelative(readFloat64(sums, multiclassOutputs.brierSum)[0]!, exact.brierSum, 1e-5);
    expectSummaryMatches(summarizeMulticlass(sums, float32Plan), rounded, 1e-12);
  });

  it('gives the same sums in chunks as in one run', async () => {
    const graph = compileMulticlassSiteGraph(plan);
    const whole = await computeMulticlassSiteSums(probabilities, labels, plan, graph);
    const chunked = await computeMulticlassSiteSums(probabilities, labels, plan, graph, 37);

    expect(chunked[multiclassOutputs.rows]!.data).toEqual(whole[multiclassOutputs.rows]!.data);
    expect(chunked[multiclassOutputs.confusion]!.data).toEqual(whole[multiclassOutputs.confusion]!.data);
    expect(chunked[multiclassOutputs.scoreHistogram]!.data).toEqual(whole[multiclassOutputs.scoreHistogram]!.data);
    expectRelative(readFloat64(chunked, multiclassOutputs.logLossSum)[0]!, readFloat64(whole, multiclassOutputs.logLossSum)[0]!, 1e-12);
    expectRelative(readFloat64(chunked, multiclassOutputs.brierSum)[0]!, readFloat64(whole, multiclassOutputs.brierSum)[0]!, 1e-12);
  });

  it('adds two sites to the sums of their rows together', async () => {
    const split = 180;
    const first = await computeMulticlassSiteSums(probabilities.subarray(0, split * classes), labels.subarray(0, split), plan);
    const second = await computeMulticlassSiteSums(probabilities.subarray(split * classes), labels.subarray(split), plan);
    const pooled = await computeMulticlassSiteSums(probabilities, labels, plan);

    const summed = addSiteTensors(first, second);

    // Counts add exactly; the log-loss and Brier sums differ only by rounding order.
    expect(summed[multiclassOutputs.rows]!.data).toEqual(pooled[multiclassOutputs.rows]!.data);
    expect(summed[multiclassOutputs.confusion]!.data).toEqual(pooled[multiclassOutputs.confusion]!.data);
    expect(summed[multiclassOutputs.scoreHistogram]!.data).toEqual(pooled[multiclassOutputs.scoreHistogram]!.data);
    expectRelative(readFloat64(summed, multiclassOutputs.logLossSum)[0]!, readFloat64(pooled, multiclassOutputs.logLossSum)[0]!, 1e-12);
    expectRelative(readFloat64(summed, multiclassOutputs.brierSum)[0]!, readFloat64(pooled, multiclassOutputs.brierSum)[0]!, 1e-12);
  });

  it('gives exact AUCs from histograms when scores sit on bin starts', async () => {
    // Each row splits 32 units among 3 classes, so every probability is a multiple of 1/32 and,
    // with no class taking all 32, a bin start of the 32-bin histogram.
    const random = seededRandom(23);
    const rows = 300;
    const onGrid = new Float64Array(rows * 3);
    const gridLabels = new Float64Array(rows);
    for (let row = 0; row < rows; row += 1) {
      const first = Math.floor(random() * 32);
      const second = Math.floor(random() * (32 - first));
      const units = [first, second, 32 - first - second];
      if (units.includes(32)) units.splice(0, 3, 16, 8, 8);
      units.forEach((unit, k) => {
        onGrid[row * 3 + k] = unit / 32;
      });
      gridLabels[row] = random() < 0.5 ? units.indexOf(Math.max(...units)) : Math.floor(random() * 3);
    }
    const gridPlan = { probabilities: 'p', label: 'y', classes: 3, bins: 32 };

    const summary = summarizeMulticlass(await computeMulticlassSiteSums(onGrid, gridLabels, gridPlan), gridPlan);
    const reference = referenceMulticlass(onGrid, gridLabels, 3, 32);

    summary.perClass.forEach((entry, k) => expectRelative(entry.auc, reference.perClass[k]!.exactAuc, 1e-12));
    expectRelative(summary.macroAuc, reference.exactMacroAuc, 1e-12);
  });

  it('reports a Brier sum twice the binary one for two classes', async () => {
    const random = seededRandom(3);
    const score = Float64Array.from({ length: 50 }, () => Math.round(random() * 8) / 8);
    const label = Float64Array.from(score, (p) => (random() < p ? 1 : 0));
    const twoClass = Float64Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 1 - score[i / 2]! : score[(i - 1) / 2]!));

    const multiclass = await computeMulticlassSiteSums(twoClass, label, { probabilities: 'p', label: 'y', classes: 2 });
    const binary = await computeClassificationSiteSums(score, label, { score: 'p', label: 'y' });

    expectRelative(
      readFloat64(multiclass, multiclassOutputs.brierSum)[0]!,
      2 * readFloat64(binary, 'metrics/brier_sum')[0]!,
      1e-12,
    );
  });

  it('gives null ratios for a class without rows', async () => {
    // Class 2 is never observed; row 3 predicts it, so its precision and F1 are 0 but its recall is null.
    const rows = Float64Array.from([0.7, 0.2, 0.1, 0.3, 0.6, 0.1, 0.2, 0.2, 0.6, 0.1, 0.8, 0.1]);
    const threeClass = { probabilities: 'p', label: 'y', classes: 3, bins: 10 };
    const summary = summarizeMulticlass(await computeMulticlassSiteSums(rows, Float64Array.from([0, 1, 0, 1]), threeClass), threeClass);

    const absent = summary.perClass[2]!;
    expect(absent.support).toBe(0);
    expect(absent.precision).toBe(0);
    expect(absent.recall).toBeNull();
    expect(absent.f1).toBe(0);
    expect(absent.auc).toBeNull();
    // Class 0 positives score 0.7 and 0.2 against negatives 0.3 and 0.1: 3 of 4 pairs won.
    expect(summary.perClass[0]!.auc).toBe(0.75);
    expect(summary.perClass[1]!.auc).toBe(1);
    expect(summary.macroAuc).toBe(0.875);
    expect(summary.weightedAuc).toBe(0.875);
    // F1 of class 0 is 2/3 (precision 1, recall 1/2), of class 1 is 1 and of class 2 is 0.
    expect(summary.macroF1).toBeCloseTo(5 / 9, 12);
    expect(nonFiniteNumbers(summary)).toEqual([]);
  });

  it('counts a class never predicted as F1 0', async () => {
    // Rows 3 and 4 are class 2, but every row predicts class 0 or 1.
    const rows = Float64Array.from([0.7, 0.2, 0.1, 0.3, 0.6, 0.1, 0.5, 0.3, 0.2, 0.2, 0.5, 0.3]);
    const threeClass = { probabilities: 'p', label: 'y', classes: 3, bins: 10 };
    const summary = summarizeMulticlass(await computeMulticlassSiteSums(rows, Float64Array.from([0, 1, 2, 2]), threeClass), threeClass);

    const ignored = summary.perClass[2]!;
    expect(ignored.precision).toBeNull();
    expect(ignored.recall).toBe(0);
    expect(ignored.f1).toBe(0);
    // Class 0: precision 1/2, recall 1, F1 2/3; class 1: precision 1/2, recall 1, F1 2/3.
    expect(summary.macroF1).toBeCloseTo(4 / 9, 12);
  });

  it('gives null ratios for an empty site', async () => {
    const summary = summarizeMulticlass(await computeMulticlassSiteSums(new Float64Array(0), new Float64Array(0), plan), plan);

    expect(summary.n).toBe(0);
    expect(summary.accuracy).toBeNull();
    expect(summary.logLoss).toBeNull();
    expect(summary.brier).toBeNull();
    expect(summary.macroAuc).toBeNull();
    expect(summary.weightedAuc).toBeNull();
    expect(summary.macroF1).toBeNull();
    expect(summary.perClass.every((entry) => entry.precision === null && entry.recall === null)).toBe(true);
  });

  it('names classes by level, by index by default', async () => {
    const sums = await computeMulticlassSiteSums(probabilities, labels, plan);

    expect(summarizeMulticlass(sums, plan).perClass.map((entry) => entry.level)).toEqual(['0', '1', '2', '3']);
    expect(summarizeMulticlass(sums, plan, ['I', 'II', 'III', 'IV']).perClass.map((entry) => entry.level)).toEqual(['I', 'II', 'III', 'IV']);
    expect(() => summarizeMulticlass(sums, plan, ['I', 'II'])).toThrow(/2 levels for 4 classes/);
  });

  it('compiles byte-identical graphs for the same plan', () => {
    const first = compileMulticlassSiteGraph(plan);
    const second = compileMulticlassSiteGraph({ ...plan });

    expect(Buffer.from(first.bytes).equals(Buffer.from(second.bytes))).toBe(true);
    expect(first.sha256).toBe(second.sha256);
    expect(compileMulticlassSiteGraph({ ...plan, bins: 21 }).sha256).not.toBe(first.sha256);
    expect(compileMulticlassSiteGraph({ ...plan, classes: 5 }).sha256).not.toBe(first.sha256);
  });

  it('produces updates that match the declared layout', async () => {
    const tensors = await computeMulticlassSiteSums(probabilities, labels, plan);
    const update = { siteId: 'site-a', sampleCount: n, tensors: siteTensorsToTensorMap(tensors) };
    const validation = validateUpdate(update, { layout: multiclassSiteLayout(plan), maxL2Norm: Infinity });

    expect(validation.ok, JSON.stringify(validation)).toBe(true);
    expect(multiclassSiteLayout(plan)[multiclassOutputs.scoreHistogram]!.shape).toEqual([4, 2, 20]);
  });

  it.each([
    ['a probability above 1', [0.2, 1.2, -0.4], [1], /row 1: probability 1.2 of class 1 is not in \[0, 1\]/],
    ['a negative probability', [0.5, 0.5, 0, 0.6, 0.5, -0.1], [0, 1], /row 2: probability -0.1 of class 2 is not in \[0, 1\]/],
    ['a NaN probability', [Number.NaN, 0.5, 0.5], [0], /row 1: probability NaN of class 0/],
    ['an infinite probability', [Infinity, 0, 0], [0], /row 1: probability Infinity of class 0/],
    ['a row not summing to 1', [0.5, 0.5, 0, 0.3, 0.3, 0.3], [0, 0], /row 2: probabilities sum to 0.8999\d*, not 1 within 0.000001/],
    ['a label of 3 for 3 classes', [0.5, 0.5, 0], [3], /row 1: label 3 is not a class index; pass an integer from 0 to 2/],
    ['a fractional label', [0.5, 0.5, 0, 0.5, 0.5, 0], [0, 1.5], /row 2: label 1.5 is not a class index/],
    ['a negative label', [0.5, 0.5, 0], [-1], /row 1: label -1 is not a class index/],
    ['too few probabilities', [0.5, 0.5, 0, 1], [0, 1], /4 probabilities for 2 labels and 3 classes; pass 6/],
  ])('rejects %s', async (_case, values, classLabels, message) => {
    const threeClass = { probabilities: 'p', label: 'y', classes: 3 };

    await expect(computeMulticlassSiteSums(Float64Array.from(values), Float64Array.from(classLabels), threeClass)).rejects.toThrow(message);
  });

  it('allows float32 rows 1e-4 from 1 but not float64 ones', () => {
    const slightlyOff = [0.5, 0.50005, 0];

    expect(() => checkMulticlassInputs(Float32Array.from(slightlyOff), [1], 3)).not.toThrow();
    expect(() => checkMulticlassInputs(Float64Array.from(slightlyOff), [1], 3)).toThrow(/row 1: probabilities sum to 1\.0000[45]\d*, not 1 within 0\.000001/);
    expect(() => checkMulticlassInputs(Float32Array.from([0.5, 0.5002, 0]), [1], 3)).toThrow(/not 1 within 0.0001/);
  });

  it('rejects probabilities of the wrong dtype', async () => {
    const rows = Float64Array.from([0.5, 0.5]);

    await expect(computeMulticlassSiteSums(rows, Float64Array.from([0]), { probabilities: 'p', label: 'y', classes: 2, dtype: 'float32' })).rejects.toThrow(
      /pass a Float32Array/,
    );
  });

  it.each([
    ['the same input for both', { probabilities: 'y', label: 'y', classes: 3 }, /must be different inputs/],
    ['65 classes', { probabilities: 'p', label: 'y', classes: 65 }, /"classes"[\s\S]*expected number to be <=64/],
    ['one class', { probabilities: 'p', label: 'y', classes: 1 }, /"classes"[\s\S]*expected number to be >=2/],
    ['too many histogram cells', { probabilities: 'p', label: 'y', classes: 64, bins: 20_000 }, /classes × bins must be at most 1000000/],
  ])('rejects a plan with %s', (_case, badPlan, message) => {
    expect(() => compileMulticlassSiteGraph(badPlan)).toThrow(message);
  });
});

describe('multi-class evaluation contributions', () => {
  const classes = 3;
  const levels = ['low', 'mid', 'high'];
  const privacy: SitePrivacy = { minCellSize: 5, smallCellAction: 'suppress', exactEventTimes: false, timeGridDays: 30, exactScores: true };
  const { probabilities, labels } = tiedRows(31, 400, classes);
  const siteRows = [
    [0, 150],
    [150, 260],
    [260, 400],
  ] as const;
  const siteData = siteRows.map(([start, end]) => ({
    probabilities: probabilities.slice(start * classes, end * classes),
    labels: labels.slice(start, end),
  }));
  const bins = 1000;

  const contribution = (siteId: string, tensors: TensorMap, sampleCount = 1): ContributionFromSite => ({
    siteId,
    contribution: { tensors, sampleCount, metrics: {} },
  });
  const siteContributions = (exact: boolean[]): Promise<ContributionFromSite[]> =>
    Promise.all(
      siteData.map(async (site, i) =>
        contribution(
          `site-${i + 1}`,
          await multiclassContribution(site.probabilities, site.labels, classes, { ...privacy, exactScores: exact[i] }),
          site.labels.length,
        ),
      ),
    );

  it('reports pooled and per-site metrics without exact scores', async () => {
    const report = summarizeMulticlassContributions(await siteContributions([false, false, false]), classes, levels);
    const reference = referenceMulticlass(probabilities, labels, classes, bins);

    expectSummaryMatches(report.pooled, reference, 1e-12);
    expect(report.pooled.exactMacroAuc).toBeNull();
    expect(report.pooled.perClass.map((entry) => entry.level)).toEqual(levels);
    expect(report.perSite.map((site) => site.siteId)).toEqual(['site-1', 'site-2', 'site-3']);
    report.perSite.forEach((site, i) => {
      const siteReference = referenceMulticlass(siteData[i]!.probabilities, siteData[i]!.labels, classes, bins);
      expectSummaryMatches(site, siteReference, 1e-12);
      expect(site.exactMacroAuc).toBeNull();
    });
  });

  it('sends only the metric sums without exact scores', async () => {
    const tensors = await multiclassContribution(siteData[0]!.probabilities, siteData[0]!.labels, classes);

    expect(Object.keys(tensors).sort()).toEqual(Object.keys(multiclassLayout(classes)).sort());
  });

  it('gives exact macro AUCs when every site releases scores', async () => {
    const contributions = await siteContributions([true, true, true]);
    const report = summarizeMulticlassContributions(contributions, classes, levels);
    const reference = referenceMulticlass(probabilities, labels, classes, bins);

    const names = multiclassScoreTensorNames(2);
    expect(names).toEqual({ values: 'metrics/score_values/2', counts: 'metrics/score_counts/2' });
    expect(contributions[0]!.contribution.tensors[names.counts]!.shape[1]).toBe(2);
    expectRelative(report.pooled.exactMacroAuc, reference.exactMacroAuc, 1e-12);
    report.perSite.forEach((site, i) => {
      const siteReference = referenceMulticlass(siteData[i]!.probabilities, siteData[i]!.labels, classes, bins);
      expectRelative(site.exactMacroAuc, siteReference.exactMacroAuc, 1e-12);
    });
    // The metric sums do not change when exact scores are added.
    expectSummaryMatches(report.pooled, reference, 1e-12);
  });

  it('leaves the pooled exact AUC out unless every site releases scores', async () => {
    const report = summarizeMulticlassContributions(await siteContributions([true, false, true]), classes, levels);

    expect(report.pooled.exactMacroAuc).toBeNull();
    expect(report.perSite[0]!.exactMacroAuc).not.toBeNull();
    expect(report.perSite[1]!.exactMacroAuc).toBeNull();
  });

  it('keeps each site confusion matrix', async () => {
    const report = summarizeMulticlassContributions(await siteContributions([false, false, false]), classes, levels);

    report.perSite.forEach((site, i) => {
      expect(site.confusion).toEqual(referenceMulticlass(siteData[i]!.probabilities, siteData[i]!.labels, classes, bins).confusion);
    });
  });

  describe('rejects bad contributions', () => {
    const good = (): Promise<TensorMap> => multiclassContribution(siteData[0]!.probabilities, siteData[0]!.labels, classes, privacy);
    const without = (tensors: TensorMap, name: string): TensorMap => {
      const copy = { ...tensors };
      delete copy[name];
      return copy;
    };

    it.each([
      ['a missing sum', (t: TensorMap) => without(t, multiclassOutputs.brierSum), /site bad: tensor "metrics\/multiclass\/brier_sum" must be F64 \[\]/],
      [
        'a confusion matrix of the wrong shape',
        (t: TensorMap) => ({ ...t, [multiclassOutputs.confusion]: { dtype: 'F64' as const, shape: [4, 4], data: new Float64Array(16) } }),
        /site bad: tensor "metrics\/multiclass\/confusion" must be F64 \[3, 3\]/,
      ],
      [
        'a float32 row count',
        (t: TensorMap) => ({ ...t, [multiclassOutputs.rows]: { dtype: 'F32' as const, shape: [], data: new Float32Array(1) } }),
        /site bad: tensor "metrics\/multiclass\/rows" must be F64 \[\]/,
      ],
      [
        'an extra tensor',
        (t: TensorMap) => ({ ...t, 'metrics/rows': { dtype: 'F64' as const, shape: [], data: new Float64Array(1) } }),
        /site bad: tensors metrics\/rows are not part of a 3-class evaluation/,
      ],
      [
        'exact scores for a fourth class',
        (t: TensorMap) => ({ ...t, 'metrics/score_values/3': { dtype: 'F64' as const, shape: [1], data: new Float64Array(1) } }),
        /tensors metrics\/score_values\/3 are not part of a 3-class evaluation/,
      ],
      ['exact scores missing for one class', (t: TensorMap) => without(t, 'metrics/score_values/1'), /tensor "metrics\/score_values\/1" must be F64 \[scores\]/],
      [
        'score counts of the wrong shape',
        (t: TensorMap) => ({ ...t, 'metrics/score_counts/0': { dtype: 'F64' as const, shape: [1, 2], data: new Float64Array(2) } }),
        /tensor "metrics\/score_counts\/0" must be F64 \[\d+, 2\], one row per value of "metrics\/score_values\/0"/,
      ],
    ])('with %s', async (_case, change, message) => {
      const contributions = [contribution('site-ok', await good()), contribution('bad', change(await good()))];

      expect(() => summarizeMulticlassContributions(contributions, classes, levels)).toThrow(message);
    });

    it('with no site', () => {
      expect(() => summarizeMulticlassContributions([], classes, levels)).toThrow(/no site contributed/);
    });

    it('with a class count out of range', async () => {
      await expect(multiclassContribution(siteData[0]!.probabilities, siteData[0]!.labels, 65)).rejects.toThrow(/classes is 65; pass an integer from 2 to 64/);
      expect(() => multiclassEvaluationPlan(1)).toThrow(/classes is 1/);
    });
  });
});
