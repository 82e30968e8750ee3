import { classificationSiteLayout, computeClassificationSiteSums, type ClassificationPlanInput } from '../metrics/classification-site.js';
import { summarizeClassification, type ClassificationSummary } from '../metrics/classification-summary.js';
import { addSiteTensors, type SiteTensors } from '../stats/site-graph.js';
import { siteTensorsToTensorMap, tensorMapToSiteTensors } from '../stats/site-layout.js';
import type { TensorLayout, TensorMap } from '../weights/tensor-map.js';
import type { ContributionFromSite } from './computation.js';

/**
 * Evaluation of a binary classifier from sums: every site returns the metric sums of its own
 * rows (counts, log-loss and Brier sums, score histograms at a fixed resolution), the server adds
 * them for the pooled figures and reads each site's alone for the per-site ones.
 */
export const CLASSIFICATION_PLAN: ClassificationPlanInput = { score: 'score', label: 'label', threshold: 0.5, bins: 1000, dtype: 'float64' };

export function classificationLayout(): TensorLayout {
  return classificationSiteLayout(CLASSIFICATION_PLAN);
}

export async function classificationContribution(probabilities: Float64Array, labels: Float64Array): Promise<TensorMap> {
  return siteTensorsToTensorMap(await computeClassificationSiteSums(probabilities, labels, CLASSIFICATION_PLAN));
}

export interface ClassificationReport {
  pooled: Omit<ClassificationSummary, 'roc'> & { roc?: ClassificationSummary['roc'] };
  perSite: Array<{ siteId: string } & Omit<ClassificationSummary, 'roc'>>;
}

function withoutRoc(summary: ClassificationSummary): Omit<ClassificationSummary, 'roc'> {
  const { roc: _roc, ...rest } = summary;
  return rest;
}

/** Pooled and per-site metrics; the ROC curve is kept for the pooled figures only. */
export function summarizeClassificationContributions(contributions: ContributionFromSite[]): ClassificationReport {
  let pooled: SiteTensors | undefined;
  const perSite = contributions.map((entry) => {
    const tensors = tensorMapToSiteTensors(entry.contribution.tensors);
    pooled = pooled === undefined ? tensors : addSiteTensors(pooled, tensors);
    return { siteId: entry.siteId, ...withoutRoc(summarizeClassification(tensors, CLASSIFICATION_PLAN)) };
  });
  if (pooled === undefined) throw new RangeError('evaluation: no site contributed; a round needs at least one site');
  return { pooled: summarizeClassification(pooled, CLASSIFICATION_PLAN), perSite };
}
