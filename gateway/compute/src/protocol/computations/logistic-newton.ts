import { prepareBinarySiteData } from '../../logistic/binary-site-data.js';
import { logisticNetworkConfig } from '../../logistic/logistic-fedavg.js';
import {
  createLogisticNewtonState,
  logisticNewtonOptionsFromSpec,
  logisticNewtonStep,
  logisticRoundBeta,
  summarizeLogistic,
  type LogisticNewtonState,
} from '../../logistic/logistic-newton.js';
import { INTERCEPT, compileLogisticSiteGraph } from '../../logistic/logistic-site-graph.js';
import { rejectUnknownOptions } from './options.js';
import { computeLogisticSiteSums, sumLogisticSiteSums, type LogisticSiteSums } from '../../logistic/logistic-site-sums.js';
import { compilePredictGraph } from '../../mlp/train-step-graph.js';
import { predictProbabilities } from '../../mlp/local-training.js';
import { buildDesignMatrix } from '../../spec/design-matrix.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { TensorMap } from '../../weights/tensor-map.js';
import type { Computation, ContributionFromSite, ServerStepResult } from '../computation.js';
import { CLASSIFICATION_PLAN, classificationContribution, summarizeClassificationContributions } from '../evaluation.js';
import { featureLayout } from '../feature-layout.js';
import { float64Spec, matrixTensor, readMatrix, readScalar, readVector, scalarTensor, vectorTensor } from '../tensor-codec.js';

const NAMES = {
  gradient: 'logistic/gradient',
  hessian: 'logistic/hessian',
  workingResponse: 'logistic/working_response',
  deviance: 'logistic/deviance',
  n: 'logistic/n',
  sumY: 'logistic/sum_y',
  boundaryFitted: 'logistic/boundary_fitted',
} as const;

export interface LogisticNewtonJobState {
  layout: string[];
  fit: LogisticNewtonState;
  /** `fit` while IRLS runs, then one `evaluate` round at the final coefficients. */
  phase: 'fit' | 'evaluate';
  coefficients?: Record<string, number>;
}

/** Slopes and intercept of fitted coefficients as the weights of a network with no hidden layer. */
export function logisticWeights(layout: readonly string[], coefficients: Record<string, number>): TensorMap {
  return {
    'layer0.weight': { dtype: 'F64', shape: [layout.length, 1], data: Float64Array.from(layout, (name) => coefficients[name] ?? Number.NaN) },
    'layer0.bias': { dtype: 'F64', shape: [1], data: Float64Array.of(coefficients[INTERCEPT] ?? Number.NaN) },
  };
}

/** Predicted probabilities and labels of a site's rows for fitted logistic coefficients. */
export async function logisticPredictions(spec: ModelSpec, table: Parameters<typeof buildDesignMatrix>[0], layout: string[], coefficients: Record<string, number>) {
  const matrix = buildDesignMatrix(table, spec);
  const data = prepareBinarySiteData({ layout: matrix.layout, n: matrix.n, x: matrix.x, y: matrix.y as Float64Array }, layout);
  const config = logisticNetworkConfig(layout, { local: 'sgd', learningRate: 0.1, proximalMu: 0 });
  const probabilities = await predictProbabilities({ graph: compilePredictGraph(config), config, data, weights: logisticWeights(layout, coefficients) });
  return { probabilities, labels: data.y, n: data.n };
}

function fromContribution(coefficients: string[], entry: ContributionFromSite): LogisticSiteSums {
  const what = `logistic_newton, site ${entry.siteId}`;
  const tensors = entry.contribution.tensors;
  const q = coefficients.length;
  return {
    coefficients,
    gradient: readVector(tensors, NAMES.gradient, q, what),
    hessian: readMatrix(tensors, NAMES.hessian, q, q, what),
    workingResponse: readVector(tensors, NAMES.workingResponse, q, what),
    deviance: readScalar(tensors, NAMES.deviance, what),
    n: readScalar(tensors, NAMES.n, what),
    sumY: readScalar(tensors, NAMES.sumY, what),
    boundaryFitted: readScalar(tensors, NAMES.boundaryFitted, what),
  };
}

/**
 * Logistic regression by federated Newton (IRLS): the sites return XᵀWX, XᵀWz, the deviance and
 * counts at the server's β, whose sums are the pooled fit's, so the result equals R's
 * `glm(family = binomial)`. After convergence one more round evaluates the fitted model at every
 * site (accuracy, log-loss, Brier score, AUC), per site and pooled.
 */
export const logisticNewtonComputation: Computation<LogisticNewtonJobState> = {
  name: 'logistic_newton',
  kind: 'train',
  families: ['logistic_regression'],

  initialState(spec: ModelSpec, settings) {
    rejectUnknownOptions(settings.options, [], 'logistic_newton');
    const layout = featureLayout(spec);
    return { layout, fit: createLogisticNewtonState(layout, logisticNewtonOptionsFromSpec(spec)), phase: 'fit' };
  },

  planRound(state) {
    if (state.phase === 'evaluate') return { parameters: { phase: 'evaluate', layout: state.layout, coefficients: state.coefficients } };
    return { parameters: { phase: 'fit', layout: state.layout, beta: logisticRoundBeta(state.fit) } };
  },

  contributionLayout(state) {
    // Evaluation outputs may carry exact-score counts, whose length depends on the data: serverStep checks them.
    if (state.phase === 'evaluate') return undefined;
    const q = state.fit.coefficients.length;
    return {
      [NAMES.gradient]: float64Spec([q]),
      [NAMES.hessian]: float64Spec([q, q]),
      [NAMES.workingResponse]: float64Spec([q]),
      [NAMES.deviance]: float64Spec([1]),
      [NAMES.n]: float64Spec([1]),
      [NAMES.sumY]: float64Spec([1]),
      [NAMES.boundaryFitted]: float64Spec([1]),
    };
  },

  async runSite({ spec, table, parameters, privacy }) {
    if (spec.family !== 'logistic_regression') throw new RangeError(`logistic_newton: the spec is a ${spec.family} model; a logistic_regression spec is needed`);
    const layout = parameters.layout as string[];

    if (parameters.phase === 'evaluate') {
      const { probabilities, labels, n } = await logisticPredictions(spec, table, layout, parameters.coefficients as Record<string, number>);
      return { tensors: await classificationContribution(probabilities, labels, privacy), sampleCount: n, metrics: {} as Record<string, number> };
    }

    const matrix = buildDesignMatrix(table, spec);
    const data = prepareBinarySiteData({ layout: matrix.layout, n: matrix.n, x: matrix.x, y: matrix.y as Float64Array }, layout);
    const sums = await computeLogisticSiteSums({
      graph: compileLogisticSiteGraph(layout),
      data,
      beta: (parameters.beta as Record<string, number> | null) ?? null,
    });
    return {
      tensors: {
        [NAMES.gradient]: vectorTensor(sums.gradient),
        [NAMES.hessian]: matrixTensor(sums.hessian),
        [NAMES.workingResponse]: vectorTensor(sums.workingResponse),
        [NAMES.deviance]: scalarTensor(sums.deviance),
        [NAMES.n]: scalarTensor(sums.n),
        [NAMES.sumY]: scalarTensor(sums.sumY),
        [NAMES.boundaryFitted]: scalarTensor(sums.boundaryFitted),
      },
      sampleCount: sums.n,
      metrics: { deviance: sums.deviance } as Record<string, number>,
    };
  },

  serverStep(state, contributions): ServerStepResult<LogisticNewtonJobState> {
    if (state.phase === 'evaluate') {
      const evaluation = summarizeClassificationContributions(contributions);
      return {
        state,
        done: true,
        roundMetrics: { accuracy: evaluation.pooled.accuracy ?? Number.NaN, auc: evaluation.pooled.auc ?? Number.NaN },
        results: { logistic: summarizeLogistic(state.fit), evaluation, threshold: CLASSIFICATION_PLAN.threshold },
      };
    }

    const summed = sumLogisticSiteSums(state.fit.coefficients, contributions.map((entry) => fromContribution(state.fit.coefficients, entry)));
    const { state: fit, done } = logisticNewtonStep(state.fit, summed);
    const next: LogisticNewtonJobState = { ...state, fit };
    let results: Record<string, unknown> = { iterations: fit.iterations, deviance: summed.deviance };
    let modelTensors: TensorMap | undefined;

    if (done) {
      const report = summarizeLogistic(fit);
      // A coefficient R reports as NA (collinear) adds nothing to predictions, as predict.glm drops it.
      const coefficients = Object.fromEntries(report.coefficients.map((entry) => [entry.name, entry.coefficient ?? 0]));
      next.phase = 'evaluate';
      next.coefficients = coefficients;
      results = { logistic: report };
      modelTensors = logisticWeights(state.layout, coefficients);
    }
    return { state: next, done: false, roundMetrics: { deviance: summed.deviance, n: summed.n }, results, ...(modelTensors ? { modelTensors } : {}) };
  },
};
