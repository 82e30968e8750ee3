import { classificationSiteLayout, computeClassificationSiteSums, type ClassificationPlanInput } from '../metrics/classification-site.js';
import { exactAuc, summarizeClassification, type ClassificationSummary } from '../metrics/classification-summary.js';
import { computeMulticlassSiteSums, multiclassSiteLayout, type MulticlassPlanInput } from '../metrics/multiclass-site.js';
import { macroAverageAuc, summarizeMulticlass, type MulticlassSummary } from '../metrics/multiclass-summary.js';
import { computeScoreCounts, SCORE_COUNTS_OUTPUT, SCORE_VALUES_OUTPUT, scoreCountsFromTensors, sumScoreCounts, type ScoreCounts } from '../metrics/score-counts-site.js';
import { MAX_CLASSES } from '../mlp/network-config.js';
import { addSiteTensors, type SiteTensors } from '../stats/site-graph.js';
import { siteTensorsToTensorMap, tensorMapToSiteTensors } from '../stats/site-layout.js';
import type { TensorLayout, TensorMap } from '../weights/tensor-map.js';
import type { ContributionFromSite, SitePrivacy } from './computation.js';

/**
 * Evaluation of a binary classifier from sums: every site returns the metric sums of its own
 * rows (counts, log-loss and Brier sums, score histograms at a fixed resolution), the server adds
 * them for the pooled figures and reads each site's alone for the per-site ones.
 */
export const CLASSIFICATION_PLAN: ClassificationPlanInput = { score: 'score', label: 'label', threshold: 0.5, bins: 1000, dtype: 'float64' };

export function classificationLayout(): TensorLayout {
  return classificationSiteLayout(CLASSIFICATION_PLAN);
}

/**
 * Computes a site's evaluation sums and, when the site policy sets `exactScores`, its rows per
 * distinct score, from which the server computes the exact AUC.
 *
 * NOTE: evaluation sums (true and false positives, confusion matrices, score histograms) do not
 * pass through the small-cell rule, because suppressing cells would bias every metric. The site
 * policy's minimum cohort size is their only guard.
 */
export async function classificationContribution(probabilities: Float64Array, labels: Float64Array, privacy?: SitePrivacy): Promise<TensorMap> {
  const sums = await computeClassificationSiteSums(probabilities, labels, CLASSIFICATION_PLAN);
  if (privacy?.exactScores !== true) return siteTensorsToTensorMap(sums);

  const { tensors } = await computeScoreCounts(probabilities, labels, { score: CLASSIFICATION_PLAN.score, label: CLASSIFICATION_PLAN.label });
  return siteTensorsToTensorMap({ ...sums, ...tensors });
}

/**
 * Checks an evaluation contribution: the metric sums with their fixed shapes, plus, optionally,
 * the two exact-score tensors. Throws naming the site and the tensor.
 */
function checkEvaluationTensors(entry: ContributionFromSite): void {
  const expected = classificationLayout();
  const tensors = entry.contribution.tensors;
  for (const [name, spec] of Object.entries(expected)) {
    const tensor = tensors[name];
    if (!tensor || tensor.dtype !== spec.dtype || tensor.shape.join(',') !== spec.shape.join(',')) {
      throw new RangeError(`evaluation, site ${entry.siteId}: tensor "${name}" must be ${spec.dtype} [${spec.shape.join(', ')}]`);
    }
  }
  const allowed = new Set([...Object.keys(expected), SCORE_VALUES_OUTPUT, SCORE_COUNTS_OUTPUT]);
  const extra = Object.keys(tensors).filter((name) => !allowed.has(name));
  if (extra.length > 0) throw new RangeError(`evaluation, site ${entry.siteId}: tensors ${extra.join(', ')} are not part of an evaluation`);
}

function exactScoreCounts(entry: ContributionFromSite): ScoreCounts | undefined {
  const tensors = entry.contribution.tensors;
  if (!tensors[SCORE_VALUES_OUTPUT] || !tensors[SCORE_COUNTS_OUTPUT]) return undefined;
  return scoreCountsFromTensors(tensorMapToSiteTensors({ [SCORE_VALUES_OUTPUT]: tensors[SCORE_VALUES_OUTPUT], [SCORE_COUNTS_OUTPUT]: tensors[SCORE_COUNTS_OUTPUT] }));
}

/** Keeps only the metric sums, which every site returns and which add element by element. */
function metricSums(entry: ContributionFromSite): SiteTensors {
  const tensors = { ...entry.contribution.tensors };
  delete tensors[SCORE_VALUES_OUTPUT];
  delete tensors[SCORE_COUNTS_OUTPUT];
  return tensorMapToSiteTensors(tensors);
}

type SiteSummary = Omit<ClassificationSummary, 'roc'> & { exactAuc: number | null };

export interface ClassificationReport {
  /** `auc` is from the score histograms; `exactAuc` is set when every site released exact scores. */
  pooled: Omit<ClassificationSummary, 'roc'> & { roc?: ClassificationSummary['roc']; exactAuc: number | null };
  perSite: Array<{ siteId: string } & SiteSummary>;
}

function withoutRoc(summary: ClassificationSummary): Omit<ClassificationSummary, 'roc'> {
  const { roc: _roc, ...rest } = summary;
  return rest;
}

/** Pooled and per-site metrics; the ROC curve is kept for the pooled figures only. */
export function summarizeClassificationContributions(contributions: ContributionFromSite[]): ClassificationReport {
  let pooled: SiteTensors | undefined;
  const exact: Array<ScoreCounts | undefined> = [];
  const perSite = contributions.map((entry) => {
    checkEvaluationTensors(entry);
    const tensors = metricSums(entry);
    const counts = exactScoreCounts(entry);
    exact.push(counts);
    pooled = pooled === undefined ? tensors : addSiteTensors(pooled, tensors);
    return { siteId: entry.siteId, ...withoutRoc(summarizeClassification(tensors, CLASSIFICATION_PLAN)), exactAuc: counts ? exactAuc(counts) : null };
  });
  if (pooled === undefined) throw new RangeError('evaluation: no site contributed; a round needs at least one site');

  // Pairs across sites need every site's scores: the exact pooled AUC only when all released them.
  const allExact = exact.every((counts): counts is ScoreCounts => counts !== undefined);
  return {
    pooled: { ...summarizeClassification(pooled, CLASSIFICATION_PLAN), exactAuc: allExact ? exactAuc(sumScoreCounts(exact)) : null },
    perSite,
  };
}

/**
 * Returns the plan of the multi-class evaluation, with the binary evaluation's 1,000 histogram
 * bins per class. Throws a RangeError unless `classes` is an integer from 2 to MAX_CLASSES.
 */
export function multiclassEvaluationPlan(classes: number): MulticlassPlanInput {
  if (!Number.isInteger(classes) || classes < 2 || classes > MAX_CLASSES) {
    throw new RangeError(`multi-class evaluation: classes is ${classes}; pass an integer from 2 to ${MAX_CLASSES}`);
  }
  return { probabilities: 'probabilities', label: 'label', classes, bins: 1000, dtype: 'float64' };
}

export function multiclassLayout(classes: number): TensorLayout {
  return multiclassSiteLayout(multiclassEvaluationPlan(classes));
}

/** Names of the exact-score tensors of one class: distinct values `[s]` and their counts `[s, 2]`. */
export function multiclassScoreTensorNames(classIndex: number): { values: string; counts: string } {
  return { values: `${SCORE_VALUES_OUTPUT}/${classIndex}`, counts: `${SCORE_COUNTS_OUTPUT}/${classIndex}` };
}

/**
 * Computes a site's multi-class evaluation sums from row-major probabilities [n, classes] and
 * zero-based class labels. When the site policy sets `exactScores`, it adds for every class k the
 * rows per distinct probability of class k, split into rows of class k and rows of other classes,
 * from which the server computes the exact one-vs-rest AUCs.
 */
export async function multiclassContribution(
  probabilities: Float64Array,
  labels: Float64Array,
  classes: number,
  privacy?: SitePrivacy,
): Promise<TensorMap> {
  const sums = await computeMulticlassSiteSums(probabilities, labels, multiclassEvaluationPlan(classes));
  if (privacy?.exactScores !== true) return siteTensorsToTensorMap(sums);

  const tensors: SiteTensors = { ...sums };
  const n = labels.length;
  for (let k = 0; k < classes; k += 1) {
    const scores = new Float64Array(n);
    const isClass = new Float64Array(n);
    for (let row = 0; row < n; row += 1) {
      scores[row] = probabilities[row * classes + k] as number;
      isClass[row] = labels[row] === k ? 1 : 0;
    }
    const { tensors: counts } = await computeScoreCounts(scores, isClass, { score: 'score', label: 'label' });
    const names = multiclassScoreTensorNames(k);
    tensors[names.values] = counts[SCORE_VALUES_OUTPUT]!;
    tensors[names.counts] = counts[SCORE_COUNTS_OUTPUT]!;
  }
  return siteTensorsToTensorMap(tensors);
}

/**
 * Checks a multi-class evaluation contribution: the metric sums with their fixed shapes, plus,
 * optionally, the exact-score tensors of every class (all of them or none). Throws naming the site
 * and the tensor.
 */
function checkMulticlassTensors(entry: ContributionFromSite, classes: number): void {
  const where = `multi-class evaluation, site ${entry.siteId}`;
  const expected = multiclassLayout(classes);
  const tensors = entry.contribution.tensors;
  for (const [name, spec] of Object.entries(expected)) {
    const tensor = tensors[name];
    if (!tensor || tensor.dtype !== spec.dtype || tensor.shape.join(',') !== spec.shape.join(',')) {
      throw new RangeError(`${where}: tensor "${name}" must be ${spec.dtype} [${spec.shape.join(', ')}]`);
    }
  }

  const scoreNames = Array.from({ length: classes }, (_, k) => multiclassScoreTensorNames(k));
  const released = scoreNames.flatMap((names) => [names.values, names.counts]).filter((name) => name in tensors);
  if (released.length > 0) {
    for (const names of scoreNames) {
      const values = tensors[names.values];
      const counts = tensors[names.counts];
      if (!values || values.dtype !== 'F64' || values.shape.length !== 1) {
        throw new RangeError(`${where}: tensor "${names.values}" must be F64 [scores]; exact scores need both tensors for every class`);
      }
      if (!counts || counts.dtype !== 'F64' || counts.shape.join(',') !== `${values.shape[0]},2`) {
        throw new RangeError(`${where}: tensor "${names.counts}" must be F64 [${values.shape[0]}, 2], one row per value of "${names.values}"`);
      }
    }
  }

  const allowed = new Set([...Object.keys(expected), ...scoreNames.flatMap((names) => [names.values, names.counts])]);
  const extra = Object.keys(tensors).filter((name) => !allowed.has(name));
  if (extra.length > 0) {
    throw new RangeError(`${where}: tensors ${extra.join(', ')} are not part of a ${classes}-class evaluation`);
  }
}

/** Per-class exact-score counts of a checked contribution, or undefined when the site released none. */
function multiclassScoreCounts(entry: ContributionFromSite, classes: number): ScoreCounts[] | undefined {
  const tensors = entry.contribution.tensors;
  if (!(multiclassScoreTensorNames(0).values in tensors)) return undefined;
  return Array.from({ length: classes }, (_, k) => {
    const names = multiclassScoreTensorNames(k);
    return scoreCountsFromTensors(
      tensorMapToSiteTensors({ [SCORE_VALUES_OUTPUT]: tensors[names.values]!, [SCORE_COUNTS_OUTPUT]: tensors[names.counts]! }),
    );
  });
}

/** Keeps only the metric sums of a checked contribution, which add element by element. */
function multiclassMetricSums(entry: ContributionFromSite, classes: number): SiteTensors {
  const tensors: TensorMap = {};
  for (const name of Object.keys(multiclassLayout(classes))) {
    tensors[name] = entry.contribution.tensors[name]!;
  }
  return tensorMapToSiteTensors(tensors);
}

/** Macro-averaged exact one-vs-rest AUC from per-class score counts. */
function exactMacroAuc(perClass: readonly ScoreCounts[]): number | null {
  return macroAverageAuc(perClass.map((counts) => exactAuc(counts)));
}

type MulticlassSiteSummary = MulticlassSummary & { exactMacroAuc: number | null };

export interface MulticlassReport {
  /** `macroAuc` is from the score histograms; `exactMacroAuc` is set when every site released exact scores. */
  pooled: MulticlassSiteSummary;
  /** Each site's own metrics, its confusion matrix included. */
  perSite: Array<{ siteId: string } & MulticlassSiteSummary>;
}

/**
 * Pooled and per-site multi-class metrics. `levels` names the classes in index order. Throws a
 * RangeError naming the site and tensor when a contribution does not match a `classes`-class
 * evaluation, and when no site contributed.
 */
export function summarizeMulticlassContributions(contributions: ContributionFromSite[], classes: number, levels: string[]): MulticlassReport {
  const plan = multiclassEvaluationPlan(classes);
  let pooled: SiteTensors | undefined;
  const exact: Array<ScoreCounts[] | undefined> = [];
  const perSite = contributions.map((entry) => {
    checkMulticlassTensors(entry, classes);
    const tensors = multiclassMetricSums(entry, classes);
    const counts = multiclassScoreCounts(entry, classes);
    exact.push(counts);
    pooled = pooled === undefined ? tensors : addSiteTensors(pooled, tensors);
    return { siteId: entry.siteId, ...summarizeMulticlass(tensors, plan, levels), exactMacroAuc: counts ? exactMacroAuc(counts) : null };
  });
  if (pooled === undefined) throw new RangeError('multi-class evaluation: no site contributed; a round needs at least one site');

  // Pairs across sites need every site's scores, so the pooled exact AUCs need all sites to release them.
  const allExact = exact.every((counts): counts is ScoreCounts[] => counts !== undefined);
  const pooledExact = allExact
    ? exactMacroAuc(Array.from({ length: classes }, (_, k) => sumScoreCounts(exact.map((site) => site[k]!))))
    : null;
  return { pooled: { ...summarizeMulticlass(pooled, plan, levels), exactMacroAuc: pooledExact }, perSite };
}
