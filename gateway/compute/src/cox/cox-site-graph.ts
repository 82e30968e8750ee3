import { GraphBuilder } from '../onnx/index.js';

/** Tie handling of the Cox partial likelihood, as R's `coxph(ties = ...)`. */
export type CoxTies = 'breslow' | 'efron';

/** Input and output names of the Cox site graph. */
export const COX_SITE_GRAPH = {
  inputs: {
    x: 'x',
    event: 'event',
    beta: 'beta',
    tieStart: 'tie_start',
    tieNext: 'tie_next',
    efronFraction: 'efron_fraction',
  },
  outputs: {
    loglik: 'loglik',
    score: 'score',
    information: 'information',
    linearPredictor: 'linear_predictor',
  },
} as const;

/** Throws unless the layout is a non-empty list of distinct, non-empty names. */
export function checkLayout(layout: readonly string[], what: string): void {
  if (layout.length === 0) {
    throw new RangeError(`${what}: the feature layout is empty; list at least one covariate name`);
  }
  const seen = new Set<string>();
  for (const name of layout) {
    if (name.length === 0) {
      throw new RangeError(`${what}: the feature layout contains an empty name`);
    }
    if (seen.has(name)) {
      throw new RangeError(`${what}: covariate "${name}" appears twice in the feature layout`);
    }
    seen.add(name);
  }
}

/**
 * Compiles the float64 graph that returns one site's Cox partial log-likelihood, score vector U
 * and information matrix I at `beta`, over the site's own risk sets (the site is a stratum).
 *
 * Inputs (rows sorted by ascending time, see `prepareCoxSiteData`): `x` n×p, `event` n,
 * `beta` p, `tie_start` and `tie_next` (int64, the tie group of each row as [start, next)), and
 * for Efron `efron_fraction` (k/d of each event row). Outputs: `loglik` (scalar), `score` (p),
 * `information` (p×p), `linear_predictor` (n, on centred covariates, for concordance).
 *
 * Covariates are centred on the site's column means first. The partial likelihood, U and I do not
 * change under centring (exp(-c·β) cancels in every ratio), so the log-likelihood equals R's,
 * while exp(x·β) stays well scaled. Risk-set sums S0 = Σ r, S1 = Σ r·x over {j : t_j >= t_i} are
 * reverse cumulative sums read at the first row of each tie group. For an event row with Efron
 * fraction f, the denominator is S0 - f·T0 and the mean numerator S1 - f·T1, where T sums over
 * the tie group's events (Efron 1977; R survival's coxfit6). Breslow is f = 0. Then
 *   loglik = Σ_events [η_i - log(denominator_i)]
 *   U      = Σ_events [x_i - a1_i / denominator_i]
 *   I      = Σ_events [a2_i / denominator_i - a1_i a1_iᵀ / denominator_i²]
 * where the a2 term is regrouped per row j as r_j x_j x_jᵀ · (Σ of 1/denominator over events with
 * t_i <= t_j, minus, for Efron, the tie group's Σ f/denominator), which keeps the cost O(n·p²).
 *
 * The covariate names are written into the graph's doc string, so two layouts never share a hash.
 */
export function compileCoxSiteGraph(layout: readonly string[], ties: CoxTies): Uint8Array {
  checkLayout(layout, 'compileCoxSiteGraph');
  if (ties !== 'breslow' && ties !== 'efron') {
    throw new RangeError(`compileCoxSiteGraph: ties is "${String(ties)}"; use "breslow" or "efron"`);
  }
  const p = layout.length;
  const { inputs, outputs } = COX_SITE_GRAPH;

  const graph = new GraphBuilder(`cox_site_sums_${ties}`, {
    docString: `Cox partial likelihood site sums; ties: ${ties}; covariates in order: ${layout.join(', ')}`,
  });
  const x = graph.input(inputs.x, 'float64', ['n', p]);
  const event = graph.input(inputs.event, 'float64', ['n']);
  const beta = graph.input(inputs.beta, 'float64', [p]);
  const tieStart = graph.input(inputs.tieStart, 'int64', ['n']);
  const tieNext = graph.input(inputs.tieNext, 'int64', ['n']);
  const efronFraction = ties === 'efron' ? graph.input(inputs.efronFraction, 'float64', ['n']) : undefined;

  const axis0 = graph.constant('int64', [], [0n]);
  const axes0 = graph.constant('int64', [1], [0n]);
  const axes1 = graph.constant('int64', [1], [1n]);
  const one = graph.constant('int64', [], [1n]);
  const zeroScalar = graph.constant('float64', [1], [0]);
  const zeroRow = graph.constant('float64', [1, p], new Array<number>(p).fill(0));

  const column = (vector: string): string => graph.op1('Unsqueeze', [vector, axes1]);
  const reverseCumSum = (value: string): string => graph.op1('CumSum', [value, axis0], { reverse: 1 });
  // Sum over rows t_j >= t of each row's tie group, as a reverse cumulative sum padded with a
  // zero row so that index n (past the last group) reads 0.
  const padded = (value: string, zero: string): string => graph.op1('Concat', [value, zero], { axis: 0 });
  const gatherRows = (value: string, indices: string): string => graph.op1('Gather', [value, indices], { axis: 0 });
  const groupSum = (paddedReverse: string): string =>
    graph.op1('Sub', [gatherRows(paddedReverse, tieStart), gatherRows(paddedReverse, tieNext)]);

  // Centred covariates, linear predictor and relative risks.
  const means = graph.op1('ReduceMean', [x], { axes: [0], keepdims: 1 });
  const centred = graph.op1('Sub', [x, means]);
  const eta = graph.op1('MatMul', [centred, beta]);
  const risk = graph.op1('Exp', [eta]);
  const riskX = graph.op1('Mul', [centred, column(risk)]);

  // Risk-set sums at each row's time.
  const s0Reverse = padded(reverseCumSum(risk), zeroScalar);
  const s1Reverse = padded(reverseCumSum(riskX), zeroRow);
  let denominator = gatherRows(s0Reverse, tieStart);
  let meanNumerator = gatherRows(s1Reverse, tieStart);

  if (efronFraction !== undefined) {
    // Efron: remove the fraction k/d of the tied events' sums from the risk set.
    const eventRisk = graph.op1('Mul', [event, risk]);
    const eventRiskX = graph.op1('Mul', [riskX, column(event)]);
    const t0 = groupSum(padded(reverseCumSum(eventRisk), zeroScalar));
    const t1 = groupSum(padded(reverseCumSum(eventRiskX), zeroRow));
    denominator = graph.op1('Sub', [denominator, graph.op1('Mul', [efronFraction, t0])]);
    meanNumerator = graph.op1('Sub', [meanNumerator, graph.op1('Mul', [column(efronFraction), t1])]);
  }

  // Per-row weight 1/denominator on event rows, 0 on censored rows.
  const eventWeight = graph.op1('Div', [event, denominator]);

  const loglikTerms = graph.op1('Sub', [
    graph.op1('Mul', [event, eta]),
    graph.op1('Mul', [event, graph.op1('Log', [denominator])]),
  ]);
  const loglik = graph.op1('ReduceSum', [loglikTerms, axes0], { keepdims: 0 });

  const scoreTerms = graph.op1('Sub', [
    graph.op1('Mul', [centred, column(event)]),
    graph.op1('Mul', [meanNumerator, column(eventWeight)]),
  ]);
  const score = graph.op1('ReduceSum', [scoreTerms, axes0], { keepdims: 0 });

  // Σ over events with t_i <= t_j of 1/denominator_i, read at the last row of j's tie group.
  const tieLast = graph.op1('Sub', [tieNext, one]);
  let rowWeight = gatherRows(graph.op1('CumSum', [eventWeight, axis0]), tieLast);
  if (efronFraction !== undefined) {
    const fractionWeight = graph.op1('Mul', [eventWeight, efronFraction]);
    const tiedFractionWeight = groupSum(padded(reverseCumSum(fractionWeight), zeroScalar));
    rowWeight = graph.op1('Sub', [rowWeight, graph.op1('Mul', [event, tiedFractionWeight])]);
  }
  const secondMoment = graph.op1('MatMul', [
    graph.op1('Transpose', [centred], { perm: [1, 0] }),
    graph.op1('Mul', [centred, column(graph.op1('Mul', [risk, rowWeight]))]),
  ]);
  const squaredWeight = graph.op1('Mul', [eventWeight, eventWeight]);
  const meanOuter = graph.op1('MatMul', [
    graph.op1('Transpose', [meanNumerator], { perm: [1, 0] }),
    graph.op1('Mul', [meanNumerator, column(squaredWeight)]),
  ]);

  graph.op('Identity', [loglik], {}, { name: outputs.loglik });
  graph.op('Identity', [score], {}, { name: outputs.score });
  graph.op('Sub', [secondMoment, meanOuter], {}, { name: outputs.information });
  graph.op('Identity', [eta], {}, { name: outputs.linearPredictor });
  graph.output(outputs.loglik, 'float64', []);
  graph.output(outputs.score, 'float64', [p]);
  graph.output(outputs.information, 'float64', [p, p]);
  graph.output(outputs.linearPredictor, 'float64', ['n']);

  return graph.toBytes();
}
