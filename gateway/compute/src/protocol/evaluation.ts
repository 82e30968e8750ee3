import { classificationSiteLayout, computeClassificationSiteSums, type ClassificationPlanInput } from '../metrics/classification-site.js';
import { exactAuc, summarizeClassification, type ClassificationSummary } from '../metrics/classification-summary.js';
import { computeScoreCounts, SCORE_COUNTS_OUTPUT, SCORE_VALUES_OUTPUT, scoreCountsFromTensors, sumScoreCounts, type ScoreCounts } from '../metrics/score-counts-site.js';
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
