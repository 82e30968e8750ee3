import { chiSquareUpperTail, normalTwoSidedP } from '../cox/distributions.js';
import { checkLayout } from '../cox/cox-site-graph.js';
import { factorSymmetric, invertWithFactor, solveWithFactor } from '../cox/symmetric-solve.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { logisticCoefficientNames } from './logistic-site-graph.js';
import type { LogisticSiteSums } from './logistic-site-sums.js';

/**
 * Relative pivot tolerance of the information matrix. R's glm.fit uses a QR tolerance of
 * min(1e-7, epsilon / 1000) on √W·X; this bound on the pivots of XᵀWX plays the same role.
 * NOTE: the two rules can disagree on nearly collinear designs, where R may keep a column
 * that this drops, or the reverse.
 */
export const LOGISTIC_PIVOT_TOLERANCE = 1e-11;

/** Values kept from the evaluation at the final β. */
export interface LogisticFinalEvaluation {
  beta: number[];
  deviance: number;
  /** Inverse of XᵀWX at the final β; zero rows and columns for dropped coefficients. */
  variance: number[][];
  droppedIndices: number[];
  n: number;
  sumY: number;
  boundaryFitted: number;
}

/**
 * Server state of a federated logistic regression by IRLS, plain JSON so that it can be stored
 * between rounds and restored exactly. `nextBeta` is null for the first round, which the sites
 * evaluate at glm.fit's starting values.
 */
export interface LogisticNewtonState {
  kind: 'logistic_newton';
  coefficients: string[];
  tolerance: number;
  maxIterations: number;
  /** IRLS iterations done, as glm.fit counts them. */
  iterations: number;
  nextBeta: number[] | null;
  /** Deviance at the previous evaluation; null before the first round. */
  previousDeviance: number | null;
  status: 'running' | 'converged' | 'max_iterations';
  final: LogisticFinalEvaluation | null;
}

/** Reads the IRLS settings of a `logistic_regression` spec with `method: "newton"`. */
export function logisticNewtonOptionsFromSpec(spec: ModelSpec): { tolerance: number; maxIterations: number } {
  if (spec.family !== 'logistic_regression' || spec.hyperparameters.method !== 'newton') {
    throw new RangeError(
      `logisticNewtonOptionsFromSpec: the spec is a ${spec.family} model${spec.family === 'logistic_regression' ? ' trained by FedAvg' : ''}; ` +
        'pass a logistic_regression spec with method "newton"',
    );
  }
  return { tolerance: spec.hyperparameters.tolerance, maxIterations: spec.hyperparameters.maxIterations };
}

/** Starts a fit; defaults as the spec's (tolerance 1e-8 and 25 iterations, R's glm.control). */
export function createLogisticNewtonState(
  layout: readonly string[],
  options: { tolerance?: number; maxIterations?: number } = {},
): LogisticNewtonState {
  checkLayout(layout, 'createLogisticNewtonState');
  const tolerance = options.tolerance ?? 1e-8;
  const maxIterations = options.maxIterations ?? 25;
  if (!(tolerance > 0)) {
    throw new RangeError(`createLogisticNewtonState: tolerance is ${tolerance}; use a positive number such as 1e-8`);
  }
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new RangeError(`createLogisticNewtonState: maxIterations is ${maxIterations}; use a positive integer such as 25`);
  }
  return {
    kind: 'logistic_newton',
    coefficients: logisticCoefficientNames(layout),
    tolerance,
    maxIterations,
    iterations: 0,
    nextBeta: null,
    previousDeviance: null,
    status: 'running',
    final: null,
  };
}

/** Coefficients the sites evaluate next, by name; null means glm.fit's starting values. */
export function logisticRoundBeta(state: LogisticNewtonState): Record<string, number> | null {
  const next = state.nextBeta;
  if (next === null) {
    return null;
  }
  return Object.fromEntries(state.coefficients.map((name, index) => [name, next[index] as number]));
}

/**
 * Takes one IRLS step from the summed site sums, as R's glm.fit does: the first round gives the
 * starting deviance; each later round's deviance is compared with the previous one and the fit
 * stops when |dev - dev_old| / (|dev| + 0.1) < tolerance. Otherwise β solves XᵀWX·β = XᵀWz.
 */
export function logisticNewtonStep(
  state: LogisticNewtonState,
  summed: LogisticSiteSums,
): { state: LogisticNewtonState; done: boolean } {
  if (state.status !== 'running') {
    throw new Error(`logisticNewtonStep: the fit has already stopped (${state.status}); read it with summarizeLogistic`);
  }
  checkSums(state, summed);
  const next: LogisticNewtonState = structuredClone(state);
  const factor = factorSymmetric(summed.hessian, LOGISTIC_PIVOT_TOLERANCE);

  if (state.nextBeta !== null && state.previousDeviance !== null) {
    const change = Math.abs(summed.deviance - state.previousDeviance) / (Math.abs(summed.deviance) + 0.1);
    let status: LogisticNewtonState['status'] = 'running';
    if (change < state.tolerance) {
      status = 'converged';
    } else if (state.iterations >= state.maxIterations) {
      status = 'max_iterations';
    }
    if (status !== 'running') {
      next.status = status;
      next.final = {
        beta: [...state.nextBeta],
        deviance: summed.deviance,
        variance: invertWithFactor(factor),
        droppedIndices: [...factor.droppedIndices],
        n: summed.n,
        sumY: summed.sumY,
        boundaryFitted: summed.boundaryFitted,
      };
      return { state: next, done: true };
    }
  }

  next.previousDeviance = summed.deviance;
  next.nextBeta = solveWithFactor(factor, summed.workingResponse);
  next.iterations = state.iterations + 1;
  return { state: next, done: false };
}

function checkSums(state: LogisticNewtonState, summed: LogisticSiteSums): void {
  const q = state.coefficients.length;
  if (summed.coefficients.length !== q || summed.coefficients.some((name, index) => name !== state.coefficients[index])) {
    throw new RangeError(
      `logisticNewtonStep: the sums are for ${summed.coefficients.join(', ')} but the fit has ${state.coefficients.join(', ')}; ` +
        'add the sites with sumLogisticSiteSums(state.coefficients, ...)',
    );
  }
  const values = [summed.deviance, summed.n, summed.sumY, summed.boundaryFitted, ...summed.gradient, ...summed.workingResponse, ...summed.hessian.flat()];
  for (const value of values) {
    if (!Number.isFinite(value)) {
      throw new RangeError(`logisticNewtonStep: the summed sums contain ${value}; a site sent invalid sums`);
    }
  }
  if (summed.n <= q) {
    throw new RangeError(`logisticNewtonStep: ${summed.n} rows for ${q} coefficients; the model needs more rows than coefficients`);
  }
}

/** One coefficient's row of the report; null where R prints NA. */
export interface LogisticCoefficient {
  name: string;
  coefficient: number | null;
  standardError: number | null;
  z: number | null;
  pValue: number | null;
}

/** The numbers R's `summary(glm(..., family = binomial))` prints. */
export interface LogisticReport {
  n: number;
  coefficients: LogisticCoefficient[];
  variance: number[][];
  deviance: number;
  nullDeviance: number;
  loglik: number;
  aic: number;
  dfResidual: number;
  dfNull: number;
  /** Deviance drop against the intercept-only model, χ² on the number of estimated slopes. */
  likelihoodRatioTest: { statistic: number; df: number; pValue: number };
  iterations: number;
  converged: boolean;
  /**
   * Rows with a fitted probability within 10ε of 0 or 1 at the final β. When it is positive, R's
   * glm.fit warns "fitted probabilities numerically 0 or 1 occurred" (possible separation).
   */
  boundaryFitted: number;
}

/** Builds the report of a finished fit; throws while the fit is still running. */
export function summarizeLogistic(state: LogisticNewtonState): LogisticReport {
  const final = state.final;
  if (final === null) {
    throw new Error('summarizeLogistic: the fit has not finished; run logisticNewtonStep until it returns done');
  }
  const dropped = new Set(final.droppedIndices);
  const coefficients = state.coefficients.map((name, index): LogisticCoefficient => {
    if (dropped.has(index)) {
      return { name, coefficient: null, standardError: null, z: null, pValue: null };
    }
    const coefficient = final.beta[index] as number;
    const standardError = Math.sqrt((final.variance[index] as number[])[index] as number);
    const z = coefficient / standardError;
    return { name, coefficient, standardError, z, pValue: normalTwoSidedP(z) };
  });

  // Null model: intercept only, fitted probability Σy / n. For 0/1 outcomes the saturated
  // log-likelihood is 0, so deviance = -2·loglik and AIC = deviance + 2·rank (R's binomial()$aic).
  const { n, sumY } = final;
  const meanY = sumY / n;
  const nullDeviance = -2 * (xLogY(sumY, meanY) + xLogY(n - sumY, 1 - meanY));
  const rank = state.coefficients.length - dropped.size;
  const slopes = rank - (dropped.has(0) ? 0 : 1);
  const statistic = nullDeviance - final.deviance;

  return {
    n,
    coefficients,
    variance: final.variance.map((row) => [...row]),
    deviance: final.deviance,
    nullDeviance,
    loglik: -final.deviance / 2,
    aic: final.deviance + 2 * rank,
    dfResidual: n - rank,
    dfNull: n - 1,
    likelihoodRatioTest: { statistic, df: slopes, pValue: slopes > 0 ? chiSquareUpperTail(statistic, slopes) : Number.NaN },
    iterations: state.iterations,
    converged: state.status === 'converged',
    boundaryFitted: final.boundaryFitted,
  };
}

/** x·log(y) with 0·log(0) = 0. */
function xLogY(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(y);
}
