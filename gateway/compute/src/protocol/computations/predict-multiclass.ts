import { isSoftmax, outputWidth, type NetworkConfig } from '../../mlp/network-config.js';
import { federatedTrainingPlanFromSpec } from '../../mlp/spec-config.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { Computation } from '../computation.js';
import { featureLayout } from '../feature-layout.js';
import { countWithheld, maskedCountTensors, poolMaskedCounts, readMaskedCounts, withheldMaskName, withholdSmallCells } from '../small-cells.js';
import { float64Spec, readScalar, scalarTensor } from '../tensor-codec.js';
import { parseTensorMapJson, tensorMapFromJson, tensorMapToJson, type TensorMapJson } from '../tensor-json.js';
import { checkModelWeights } from './model-weights.js';
import { rejectUnknownOptions } from './options.js';
import { scoreRows } from './score-rows.js';

const NAMES = {
  rows: 'predict/rows',
  /** `[classes]`: for each class, the rows predicted in it (their most probable class), after the small-cell rule. */
  predictedPerClass: 'predict/predicted_per_class',
} as const;

export interface PredictMulticlassState {
  config: NetworkConfig;
  weights: TensorMapJson;
  /** Class names in output order, as the spec's `outcome.levels` lists them. */
  levels: string[];
}

/** Returns the softmax network and class names of a multi-class spec; throws for any other spec. */
function multiclassNetwork(spec: ModelSpec): { config: NetworkConfig; levels: string[] } {
  if (spec.family !== 'mlp_classifier' || spec.outcome.kind !== 'multiclass') {
    throw new RangeError(
      `predict_multiclass: the model is a ${spec.family} with a ${spec.outcome.kind} outcome; ` +
        'this computation scores multi-class MLPs, so use predict_binary for a binary outcome',
    );
  }
  const config = federatedTrainingPlanFromSpec(spec, featureLayout(spec)).config;
  if (!isSoftmax(config)) throw new Error('predict_multiclass: a multi-class spec compiled to a network without a softmax output; report this as a bug in the spec compiler');
  return { config, levels: spec.outcome.levels.map(String) };
}

/**
 * Quotes one CSV field when it contains a comma, a quote or a line break (RFC 4180), because class
 * names are free text.
 */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Scores every row of every site with a fixed multi-class network and keeps the predictions at
 * the site. Each gateway writes a CSV of (row, one probability per class, predicted class) to its
 * own state folder. The cloud receives only the rows scored and the rows predicted in each class,
 * with the site's small-cell rule applied to those counts. A withheld count is null in the results.
 */
export const predictMulticlassComputation: Computation<PredictMulticlassState> = {
  name: 'predict_multiclass',
  kind: 'predict',
  readsOutcome: false,
  families: ['mlp_classifier'],
  outcomes: ['multiclass'],

  initialState(spec, settings) {
    const { config, levels } = multiclassNetwork(spec);
    rejectUnknownOptions(settings.options, ['weights', 'modelVersionId'], 'predict_multiclass');
    const options = settings.options as { weights?: unknown };
    if (options.weights === undefined) {
      throw new RangeError('predict_multiclass: set options.modelVersionId to a version of this model, or options.weights to its tensors as JSON');
    }
    const weights = parseTensorMapJson(options.weights, 'predict_multiclass: options.weights');
    checkModelWeights(config, weights, 'predict_multiclass');
    return { config, weights: tensorMapToJson(weights), levels };
  },

  planRound(state) {
    return { parameters: {}, globalTensors: tensorMapFromJson(state.weights) };
  },

  contributionLayout(state) {
    const classes = outputWidth(state.config);
    return {
      [NAMES.rows]: float64Spec([1]),
      [NAMES.predictedPerClass]: float64Spec([classes]),
      [withheldMaskName(NAMES.predictedPerClass)]: float64Spec([classes]),
    };
  },

  async runSite({ spec, table, globalTensors, privacy }) {
    if (!globalTensors) throw new RangeError('predict_multiclass: the task carries no model weights; the round is malformed');
    const { config, levels } = multiclassNetwork(spec);
    const classes = outputWidth(config);
    const { matrix, probabilities } = await scoreRows(table, spec, config, globalTensors);

    const predictedPerClass = new Array<number>(classes).fill(0);
    const lines = [['row', ...levels.map((level) => `probability_${level}`), 'predicted'].map(csvField).join(',')];
    for (let row = 0; row < matrix.n; row += 1) {
      const own = Array.from(probabilities.subarray(row * classes, (row + 1) * classes));
      // The first class of highest probability, as the evaluation's ArgMax picks it.
      const predicted = own.indexOf(Math.max(...own));
      predictedPerClass[predicted] = (predictedPerClass[predicted] as number) + 1;
      // Rows are numbered as in the site's file (1 = first data row), so the hospital can join them back.
      lines.push([String((matrix.rows[row] as number) + 1), ...own.map(String), csvField(levels[predicted] as string)].join(','));
    }

    const mask = withholdSmallCells(predictedPerClass, privacy, (count) => `a predicted class contains ${count} rows`);

    return {
      tensors: {
        [NAMES.rows]: scalarTensor(matrix.n),
        ...maskedCountTensors(NAMES.predictedPerClass, predictedPerClass, mask),
      },
      sampleCount: matrix.n,
      metrics: { withheldCells: countWithheld(mask) },
      siteOnlyFiles: [{ fileName: 'predictions.csv', content: `${lines.join('\n')}\n` }],
    };
  },

  serverStep(state, contributions) {
    const classes = outputWidth(state.config);
    const perSite = contributions.map((entry) => {
      const what = `predict_multiclass, site ${entry.siteId}`;
      const tensors = entry.contribution.tensors;
      return {
        siteId: entry.siteId,
        rows: readScalar(tensors, NAMES.rows, what),
        predictedPerClass: readMaskedCounts(tensors, NAMES.predictedPerClass, classes, what),
      };
    });

    return {
      state,
      done: true,
      roundMetrics: { sites: contributions.length },
      results: {
        rows: perSite.reduce((sum, site) => sum + site.rows, 0),
        levels: state.levels,
        predictedPerClass: poolMaskedCounts(perSite.map((site) => site.predictedPerClass), classes),
        perSite: perSite.map((site) => ({ siteId: site.siteId, rows: site.rows, predictedPerClass: poolMaskedCounts([site.predictedPerClass], classes) })),
      },
    };
  },
};
