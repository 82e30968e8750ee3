import type { ModelSpec } from '../spec/model-spec.js';
import type { ConcordanceSums } from './concordance.js';
import { checkLayout, type CoxTies } from './cox-site-graph.js';
import type { CoxSiteSums } from './cox-site-sums.js';
import { DEFAULT_PIVOT_TOLERANCE, factorSymmetric, invertWithFactor, quadraticForm, solveWithFactor } from './symmetric-solve.js';

/** Settings of the federated Newton-Raphson fit; defaults as R's `coxph.control`. */
export interface CoxNewtonOptions {
  ties: CoxTies;
  /** Stop when |1 - loglik_old / loglik_new| <= tolerance; R's `eps`, default 1e-9. */
  tolerance?: number;
  /** Newton iterations after the evaluation at β = 0; R's `iter.max`, default 20. */
  maxIterations?: number;
  /** Relative pivot tolerance for singular information; R's `toler.chol`. */
  pivotTolerance?: number;
}

/** Reads the Newton settings of a `cox_ph` spec; throws for another family. */
export function coxOptionsFromSpec(spec: ModelSpec): CoxNewtonOptions {
  if (spec.family !== 'cox_ph') {
    throw new RangeError(`coxOptionsFromSpec: the spec is a ${spec.family} model; pass a cox_ph spec`);
  }
  const { ties, tolerance, maxIterations } = spec.hyperparameters;
  return { ties, tolerance, maxIterations };
}

/** Values kept from the evaluation at the final β. */
export interface CoxFinalEvaluation {
  beta: number[];
  loglik: number;
  /** Score U at the final β, for R's check of coefficients that may be infinite. */
  score: number[];
  information: number[][];
  /** Inverse information; zero rows and columns for coefficients that are not estimable. */
  variance: number[][];
  /** Indices of coefficients dropped as collinear (R reports them as NA). */
  droppedIndices: number[];
  concordance: ConcordanceSums;
  n: number;
  nEvents: number;
}

/**
 * Server state of a federated Cox fit, plain JSON so that it can be stored between rounds and
 * restored exactly (every number is a finite double, which JSON round-trips). It follows R
 * survival's coxfit6: `beta` is the last accepted point, `nextBeta` the point the sites evaluate
 * next, `loglik` the log-likelihood at `beta`.
 */
export interface CoxNewtonState {
  kind: 'cox_newton';
  layout: string[];
  ties: CoxTies;
  tolerance: number;
  maxIterations: number;
  pivotTolerance: number;
  /** Newton iterations done, counted as R counts them (the evaluation at β = 0 is not one). */
  iterations: number;
  beta: number[];
  nextBeta: number[];
  /** Log-likelihood at `beta`; null before the first round. */
  loglik: number | null;
  loglikNull: number | null;
  scoreTest: number | null;
  /** True when `nextBeta` is a halved step because the log-likelihood went down. */
  halving: boolean;
  status: 'running' | 'converged' | 'max_iterations';
  final: CoxFinalEvaluation | null;
}

/** Starts a fit at β = 0, as R's coxph does without `init`. */
export function createCoxNewtonState(layout: readonly string[], options: CoxNewtonOptions): CoxNewtonState {
  checkLayout(layout, 'createCoxNewtonState');
  const tolerance = options.tolerance ?? 1e-9;
  const maxIterations = options.maxIterations ?? 20;
  const pivotTolerance = options.pivotTolerance ?? DEFAULT_PIVOT_TOLERANCE;
  if (!(tolerance > 0)) {
    throw new RangeError(`createCoxNewtonState: tolerance is ${tolerance}; use a positive number such as 1e-9`);
  }
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new RangeError(`createCoxNewtonState: maxIterations is ${maxIterations}; use a positive integer such as 20`);
  }
  if (!(pivotTolerance > 0 && pivotTolerance < 1)) {
    throw new RangeError(`createCoxNewtonState: pivotTolerance is ${pivotTolerance}; use a number in (0, 1)`);
  }

  const zeros = new Array<number>(layout.length).fill(0);
  return {
    kind: 'cox_newton',
    layout: [...layout],
    ties: options.ties,
    tolerance,
    maxIterations,
    pivotTolerance,
    iterations: 0,
    beta: [...zeros],
    nextBeta: [...zeros],
    loglik: null,
    loglikNull: null,
    scoreTest: null,
    halving: false,
    status: 'running',
    final: null,
  };
}

/** Coefficients the sites must evaluate in the next round, by covariate name. */
export function coxRoundBeta(state: CoxNewtonState): Record<string, number> {
  return Object.fromEntries(state.layout.map((name, index) => [name, state.nextBeta[index] as number]));
}

/**
 * Takes one server step from the sites' summed (loglik, U, I) at `state.nextBeta` and returns the
 * new state. Matches coxfit6 (R survival 3.5): the first round (β = 0) gives the null
 * log-likelihood and the score test; later rounds stop when |1 - loglik_old / loglik_new| <=
 * tolerance unless the previous step was halved; a log-likelihood decrease halves the step back
 * towards the last accepted β; otherwise β moves by I⁻¹U.
 */
export function coxNewtonStep(state: CoxNewtonState, summed: CoxSiteSums): { state: CoxNewtonState; done: boolean } {
  if (state.status !== 'running') {
    throw new Error(`coxNewtonStep: the fit has already stopped (${state.status}); read it with summarizeCox`);
  }
  checkSums(state, summed);

  const factor = factorSymmetric(summed.information, state.pivotTolerance);
  const next: CoxNewtonState = structuredClone(state);

  if (state.loglik === null) {
    // Evaluation at the initial β: null log-likelihood, score test Uᵀ I⁻¹ U, first Newton step.
    const step = solveWithFactor(factor, summed.score);
    next.loglikNull = summed.loglik;
    next.loglik = summed.loglik;
    next.scoreTest = dot(summed.score, step);
    next.nextBeta = state.beta.map((value, index) => value + (step[index] as number));
    next.iterations = 1;
    return { state: next, done: false };
  }

  const relativeChange = Math.abs(1 - state.loglik / summed.loglik);
  if (relativeChange <= state.tolerance && !state.halving) {
    return finish(next, summed, factor, 'converged');
  }
  if (state.iterations >= state.maxIterations) {
    return finish(next, summed, factor, 'max_iterations');
  }

  next.iterations = state.iterations + 1;
  if (summed.loglik < state.loglik) {
    next.halving = true;
    next.nextBeta = state.nextBeta.map((value, index) => (value + (state.beta[index] as number)) / 2);
    return { state: next, done: false };
  }

  const step = solveWithFactor(factor, summed.score);
  next.halving = false;
  next.loglik = summed.loglik;
  next.beta = [...state.nextBeta];
  next.nextBeta = state.nextBeta.map((value, index) => value + (step[index] as number));
  return { state: next, done: false };
}

function finish(
  state: CoxNewtonState,
  summed: CoxSiteSums,
  factor: ReturnType<typeof factorSymmetric>,
  status: 'converged' | 'max_iterations',
): { state: CoxNewtonState; done: true } {
  state.status = status;
  state.loglik = summed.loglik;
  state.beta = [...state.nextBeta];
  state.final = {
    beta: [...state.nextBeta],
    loglik: summed.loglik,
    score: [...summed.score],
    information: summed.information.map((row) => [...row]),
    variance: invertWithFactor(factor),
    droppedIndices: [...factor.droppedIndices],
    concordance: { ...summed.concordance },
    n: summed.n,
    nEvents: summed.nEvents,
  };
  return { state, done: true };
}

function checkSums(state: CoxNewtonState, summed: CoxSiteSums): void {
  const p = state.layout.length;
  if (summed.layout.length !== p || summed.layout.some((name, index) => name !== state.layout[index])) {
    throw new RangeError(
      `coxNewtonStep: the sums are for covariates ${summed.layout.join(', ')} but the fit has ${state.layout.join(', ')}; ` +
        'add the sites with sumCoxSiteSums(state.layout, ...)',
    );
  }
  if (!Number.isFinite(summed.loglik)) {
    throw new RangeError(`coxNewtonStep: the summed log-likelihood is ${summed.loglik}; a site sent invalid sums`);
  }
  if (summed.score.length !== p || summed.information.length !== p) {
    throw new RangeError(`coxNewtonStep: the score or information does not have ${p} rows`);
  }
  for (const value of [...summed.score, ...summed.information.flat()]) {
    if (!Number.isFinite(value)) {
      throw new RangeError(`coxNewtonStep: the summed score or information contains ${value}; a site sent invalid sums`);
    }
  }
  if (summed.nEvents === 0) {
    throw new RangeError('coxNewtonStep: the sites have no events; a Cox model needs at least one');
  }
}

/** Evaluates βᵀ·I·β restricted to the estimable coefficients: the Wald statistic of β = 0. */
export function waldStatistic(final: CoxFinalEvaluation): number {
  const dropped = new Set(final.droppedIndices);
  const beta = final.beta.map((value, index) => (dropped.has(index) ? 0 : value));
  return quadraticForm(final.information, beta);
}

function dot(a: readonly number[], b: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < a.length; i += 1) {
    total += (a[i] as number) * (b[i] as number);
  }
  return total;
}
