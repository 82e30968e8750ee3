import { logisticNetworkConfig } from '../../logistic/logistic-fedavg.js';
import type { NetworkConfig } from '../../mlp/network-config.js';
import { federatedTrainingPlanFromSpec } from '../../mlp/spec-config.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { Computation } from '../computation.js';
import { countWithheld, maskedCountTensors, poolMaskedCounts, readMaskedCounts, withheldMaskName, withholdSmallCells } from '../small-cells.js';
import { featureLayout } from '../feature-layout.js';
import { float64Spec, readScalar, scalarTensor } from '../tensor-codec.js';
import { parseTensorMapJson, tensorMapFromJson, tensorMapToJson, type TensorMapJson } from '../tensor-json.js';
import { logisticWeights } from './logistic-newton.js';
import { checkModelWeights } from './model-weights.js';
import { rejectUnknownOptions } from './options.js';
import { scoreRows } from './score-rows.js';

/** Bins of the released probability histogram, over [0, 1]. */
const HISTOGRAM_BINS = 10;

const NAMES = {
  rows: 'predict/rows',
  predictedPositive: 'predict/predicted_positive',
  histogram: 'predict/histogram',
} as const;

export interface PredictBinaryState {
  config: NetworkConfig;
  weights: TensorMapJson;
  threshold: number;
}

/** Returns the network that scores a spec: an MLP's own, or a logistic model as a network with no hidden layer. */
function networkFor(spec: ModelSpec): NetworkConfig {
  const layout = featureLayout(spec);
  if (spec.family === 'logistic_regression' && spec.hyperparameters.method === 'newton') {
    return logisticNetworkConfig(layout, { local: 'sgd', learningRate: 0.1, proximalMu: 0 });
  }
  return federatedTrainingPlanFromSpec(spec, layout).config;
}

/**
 * Scores every row of every site with a fixed model and keeps the predictions at the site. Each
 * gateway writes a CSV of (row, probability, predicted class) to its own state folder. The cloud
 * receives only the rows scored, the rows predicted positive and a histogram of probabilities,
 * with the site's small-cell rule applied to the histogram.
 */
export const predictBinaryComputation: Computation<PredictBinaryState> = {
  name: 'predict_binary',
  kind: 'predict',
  readsOutcome: false,
  families: ['logistic_regression', 'mlp_classifier'],
  outcomes: ['binary'],

  initialState(spec, settings) {
    if (spec.outcome.kind === 'multiclass') {
      throw new RangeError(
        `predict_binary: the model's outcome "${spec.outcome.column}" has ${spec.outcome.levels.length} classes; ` +
          'this computation scores binary outcomes, so use predict_multiclass',
      );
    }
    rejectUnknownOptions(settings.options, ['coefficients', 'weights', 'modelVersionId', 'threshold'], 'predict_binary');
    const config = networkFor(spec);
    const options = settings.options as { coefficients?: Record<string, number>; weights?: unknown; threshold?: number };
    const threshold = options.threshold ?? 0.5;
    if (!(typeof threshold === 'number' && threshold > 0 && threshold < 1)) {
      throw new RangeError(`predict_binary: options.threshold is ${String(threshold)}; use a probability between 0 and 1`);
    }

    let weights;
    if (options.weights !== undefined) {
      weights = parseTensorMapJson(options.weights, 'predict_binary: options.weights');
    } else if (options.coefficients !== undefined && config.hiddenLayers.length === 0) {
      weights = logisticWeights(config.layout, options.coefficients);
    } else {
      throw new RangeError(
        'predict_binary: set options.modelVersionId to a version of this model, options.weights to its tensors as JSON, ' +
          'or, for a logistic model, options.coefficients by name',
      );
    }

    checkModelWeights(config, weights, 'predict_binary');
    return { config, weights: tensorMapToJson(weights), threshold };
  },

  planRound(state) {
    return { parameters: { threshold: state.threshold }, globalTensors: tensorMapFromJson(state.weights) };
  },

  contributionLayout() {
    return {
      [NAMES.rows]: float64Spec([1]),
      [NAMES.predictedPositive]: float64Spec([1]),
      [withheldMaskName(NAMES.predictedPositive)]: float64Spec([1]),
      [NAMES.histogram]: float64Spec([HISTOGRAM_BINS]),
      [withheldMaskName(NAMES.histogram)]: float64Spec([HISTOGRAM_BINS]),
    };
  },

  async runSite({ spec, table, parameters, globalTensors, privacy }) {
    if (!globalTensors) throw new RangeError('predict_binary: the task carries no model weights; the round is malformed');
    const config = networkFor(spec);
    const threshold = parameters.threshold as number;
    const { matrix, probabilities } = await scoreRows(table, spec, config, globalTensors);

    const histogram = new Array<number>(HISTOGRAM_BINS).fill(0);
    let predictedPositive = 0;
    const lines = ['row,probability,predicted'];
    probabilities.forEach((probability, index) => {
      const predicted = probability >= threshold ? 1 : 0;
      predictedPositive += predicted;
      const bin = Math.min(HISTOGRAM_BINS - 1, Math.floor(probability * HISTOGRAM_BINS));
      histogram[bin] = (histogram[bin] as number) + 1;
      // Rows are numbered as in the site's file (1 = first data row), so the hospital can join them back.
      lines.push(`${(matrix.rows[index] as number) + 1},${probability},${predicted}`);
    });

    const histogramMask = withholdSmallCells(histogram, privacy, (count) => `a probability bin contains ${count} rows`);
    // Rows predicted negative and positive form a two-cell table whose total, the rows scored, is
    // released, so the rule takes both cells and withholds both when either is small.
    const predictedClasses = [matrix.n - predictedPositive, predictedPositive];
    const classMask = withholdSmallCells(predictedClasses, privacy, (count) => `a predicted class contains ${count} rows`);

    return {
      tensors: {
        [NAMES.rows]: scalarTensor(matrix.n),
        ...maskedCountTensors(NAMES.predictedPositive, [predictedClasses[1] as number], [classMask[1] as number]),
        ...maskedCountTensors(NAMES.histogram, histogram, histogramMask),
      },
      sampleCount: matrix.n,
      metrics: { withheldCells: countWithheld(histogramMask) + countWithheld(classMask) },
      siteOnlyFiles: [{ fileName: 'predictions.csv', content: `${lines.join('\n')}\n` }],
    };
  },

  serverStep(state, contributions) {
    const perSite = contributions.map((entry) => {
      const what = `predict_binary, site ${entry.siteId}`;
      const tensors = entry.contribution.tensors;
      return {
        siteId: entry.siteId,
        rows: readScalar(tensors, NAMES.rows, what),
        predictedPositive: readMaskedCounts(tensors, NAMES.predictedPositive, 1, what),
        histogram: readMaskedCounts(tensors, NAMES.histogram, HISTOGRAM_BINS, what),
      };
    });

    return {
      state,
      done: true,
      roundMetrics: { sites: contributions.length },
      results: {
        rows: perSite.reduce((sum, site) => sum + site.rows, 0),
        predictedPositive: poolMaskedCounts(perSite.map((site) => site.predictedPositive), 1)[0],
        histogram: {
          binEdges: Array.from({ length: HISTOGRAM_BINS + 1 }, (_, index) => index / HISTOGRAM_BINS),
          counts: poolMaskedCounts(perSite.map((site) => site.histogram), HISTOGRAM_BINS),
        },
        perSite: perSite.map((site) => ({
          siteId: site.siteId,
          rows: site.rows,
          predictedPositive: poolMaskedCounts([site.predictedPositive], 1)[0],
          histogram: poolMaskedCounts([site.histogram], HISTOGRAM_BINS),
        })),
        threshold: state.threshold,
      },
    };
  },
};
