import type { Computation } from '../computation.js';
import { classificationContribution, summarizeClassificationContributions } from '../evaluation.js';
import { featureLayout } from '../feature-layout.js';
import { logisticPredictions } from './logistic-newton.js';
import { rejectUnknownOptions } from './options.js';

export interface EvaluateBinaryState {
  layout: string[];
  /** Logistic coefficients by name, intercept as `(Intercept)`. */
  coefficients: Record<string, number>;
}

/**
 * Evaluates fixed logistic coefficients (fitted elsewhere, or by an earlier job) on every site's
 * data: accuracy, log-loss, Brier score and AUC per site and pooled, from sums only.
 */
export const evaluateBinaryComputation: Computation<EvaluateBinaryState> = {
  name: 'evaluate_binary',
  kind: 'evaluate',
  families: ['logistic_regression'],

  initialState(spec, settings) {
    const layout = featureLayout(spec);
    rejectUnknownOptions(settings.options, ['coefficients'], 'evaluate_binary');
    const coefficients = (settings.options as { coefficients?: unknown }).coefficients;
    if (typeof coefficients !== 'object' || coefficients === null) {
      throw new RangeError('evaluate_binary: set options.coefficients to the coefficients by name, with "(Intercept)"');
    }
    for (const name of ['(Intercept)', ...layout]) {
      const value = (coefficients as Record<string, unknown>)[name];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new RangeError(`evaluate_binary: options.coefficients["${name}"] is ${String(value)}; give a finite number for every coefficient`);
      }
    }
    return { layout, coefficients: coefficients as Record<string, number> };
  },

  planRound(state) {
    return { parameters: { layout: state.layout, coefficients: state.coefficients } };
  },

  // Outputs may carry exact-score counts, whose length depends on the data: serverStep checks them.
  contributionLayout() {
    return undefined;
  },

  async runSite({ spec, table, parameters, privacy }) {
    const { probabilities, labels, n } = await logisticPredictions(spec, table, parameters.layout as string[], parameters.coefficients as Record<string, number>);
    return { tensors: await classificationContribution(probabilities, labels, privacy), sampleCount: n, metrics: {} as Record<string, number> };
  },

  serverStep(state, contributions) {
    const evaluation = summarizeClassificationContributions(contributions);
    return {
      state,
      done: true,
      roundMetrics: { accuracy: evaluation.pooled.accuracy ?? Number.NaN, auc: evaluation.pooled.auc ?? Number.NaN },
      results: { evaluation },
    };
  },
};
