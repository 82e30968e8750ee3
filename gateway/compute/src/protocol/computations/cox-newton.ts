import { addConcordanceSums, concordanceIndex, ZERO_CONCORDANCE_SUMS, type ConcordanceSums } from '../../cox/concordance.js';
import { coxNewtonStep, coxOptionsFromSpec, coxRoundBeta, createCoxNewtonState, type CoxNewtonState } from '../../cox/cox-newton.js';
import { prepareCoxSiteData } from '../../cox/cox-site-data.js';
import { compileCoxSiteGraph } from '../../cox/cox-site-graph.js';
import { computeCoxSiteSums, sumCoxSiteSums, type CoxSiteSums } from '../../cox/cox-site-sums.js';
import { summarizeCox } from '../../cox/cox-summary.js';
import { buildDesignMatrix } from '../../spec/design-matrix.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { TensorMap } from '../../weights/tensor-map.js';
import type { Computation, ContributionFromSite } from '../computation.js';
import { featureLayout } from '../feature-layout.js';
import { rejectUnknownOptions } from './options.js';
import { float64Spec, matrixTensor, readMatrix, readScalar, readVector, scalarTensor, vectorTensor } from '../tensor-codec.js';

const CONCORDANCE_FIELDS = Object.keys(ZERO_CONCORDANCE_SUMS) as (keyof ConcordanceSums)[];

const NAMES = {
  loglik: 'cox/loglik',
  score: 'cox/score',
  information: 'cox/information',
  n: 'cox/n',
  events: 'cox/events',
  concordance: 'cox/concordance',
} as const;

function parseRoundParameters(parameters: Record<string, unknown>): { layout: string[]; beta: Record<string, number> } {
  const { layout, beta } = parameters as { layout?: unknown; beta?: unknown };
  if (!Array.isArray(layout) || !layout.every((name) => typeof name === 'string')) {
    throw new RangeError('cox_newton: the round parameters have no covariate layout; the task is malformed');
  }
  if (typeof beta !== 'object' || beta === null) {
    throw new RangeError('cox_newton: the round parameters have no coefficients; the task is malformed');
  }
  return { layout, beta: beta as Record<string, number> };
}

function toContributionTensors(sums: CoxSiteSums): TensorMap {
  return {
    [NAMES.loglik]: scalarTensor(sums.loglik),
    [NAMES.score]: vectorTensor(sums.score),
    [NAMES.information]: matrixTensor(sums.information),
    [NAMES.n]: scalarTensor(sums.n),
    [NAMES.events]: scalarTensor(sums.nEvents),
    [NAMES.concordance]: vectorTensor(CONCORDANCE_FIELDS.map((field) => sums.concordance[field])),
  };
}

function fromContribution(layout: string[], entry: ContributionFromSite): CoxSiteSums {
  const what = `cox_newton, site ${entry.siteId}`;
  const tensors = entry.contribution.tensors;
  const p = layout.length;
  const concordance = readVector(tensors, NAMES.concordance, CONCORDANCE_FIELDS.length, what);
  return {
    layout,
    loglik: readScalar(tensors, NAMES.loglik, what),
    score: readVector(tensors, NAMES.score, p, what),
    information: readMatrix(tensors, NAMES.information, p, p, what),
    n: readScalar(tensors, NAMES.n, what),
    nEvents: readScalar(tensors, NAMES.events, what),
    concordance: Object.fromEntries(CONCORDANCE_FIELDS.map((field, index) => [field, concordance[index] as number])) as unknown as ConcordanceSums,
  };
}

/**
 * Site-stratified Cox proportional hazards by federated Newton-Raphson. Each round the sites
 * evaluate the partial log-likelihood, score and information at the server's β on their own risk
 * sets; their sums are the stratified model's, so the fit equals R's `coxph(... + strata(site))`.
 */
export const coxNewtonComputation: Computation<CoxNewtonState> = {
  name: 'cox_newton',
  kind: 'train',
  families: ['cox_ph'],

  initialState(spec: ModelSpec, settings) {
    rejectUnknownOptions(settings.options, [], 'cox_newton');
    return createCoxNewtonState(featureLayout(spec), coxOptionsFromSpec(spec));
  },

  planRound(state) {
    return { parameters: { layout: state.layout, beta: coxRoundBeta(state) } };
  },

  contributionLayout(state) {
    const p = state.layout.length;
    return {
      [NAMES.loglik]: float64Spec([1]),
      [NAMES.score]: float64Spec([p]),
      [NAMES.information]: float64Spec([p, p]),
      [NAMES.n]: float64Spec([1]),
      [NAMES.events]: float64Spec([1]),
      [NAMES.concordance]: float64Spec([CONCORDANCE_FIELDS.length]),
    };
  },

  async runSite({ spec, table, parameters }) {
    if (spec.family !== 'cox_ph') throw new RangeError(`cox_newton: the spec is a ${spec.family} model; a cox_ph spec is needed`);
    const { layout, beta } = parseRoundParameters(parameters);
    const matrix = buildDesignMatrix(table, spec);
    const data = prepareCoxSiteData(
      { layout: matrix.layout, n: matrix.n, x: matrix.x, time: matrix.time as Float64Array, event: matrix.event as Float64Array },
      layout,
    );
    const ties = spec.hyperparameters.ties;
    const sums = await computeCoxSiteSums({ graph: compileCoxSiteGraph(layout, ties), ties, data, beta });
    return { tensors: toContributionTensors(sums), sampleCount: sums.n, metrics: { loglik: sums.loglik, events: sums.nEvents } };
  },

  serverStep(state, contributions) {
    const sites = contributions.map((entry) => fromContribution(state.layout, entry));
    const summed = sumCoxSiteSums(state.layout, sites);
    const { state: next, done } = coxNewtonStep(state, summed);
    const concordance = sites.reduce((total, site) => addConcordanceSums(total, site.concordance), { ...ZERO_CONCORDANCE_SUMS });

    return {
      state: next,
      done,
      roundMetrics: { loglik: summed.loglik, n: summed.n, events: summed.nEvents, concordance: concordanceIndex(concordance) },
      results: done
        ? { cox: summarizeCox(next) }
        : { iterations: next.iterations, loglik: next.loglik, beta: Object.fromEntries(next.layout.map((name, i) => [name, next.beta[i]])) },
      modelTensors: { coefficients: vectorTensor(next.beta) },
    };
  },
};
