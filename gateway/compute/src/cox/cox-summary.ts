import { concordanceIndex, concordanceStandardError, type ConcordanceSums } from './concordance.js';
import { waldStatistic, type CoxNewtonState } from './cox-newton.js';
import type { CoxTies } from './cox-site-graph.js';
import { chiSquareUpperTail, NORMAL_QUANTILE_975, normalTwoSidedP } from './distributions.js';

/** One covariate's row of the report; null where R prints NA (a coefficient dropped as collinear). */
export interface CoxCoefficient {
  name: string;
  coefficient: number | null;
  standardError: number | null;
  hazardRatio: number | null;
  lower95: number | null;
  upper95: number | null;
  z: number | null;
  pValue: number | null;
}

export interface ChiSquareTest {
  statistic: number;
  df: number;
  pValue: number;
}

/** The numbers R's `summary(coxph(...))` prints, from a finished federated fit. */
export interface CoxReport {
  ties: CoxTies;
  n: number;
  nEvents: number;
  coefficients: CoxCoefficient[];
  /** Variance matrix in layout order (zero rows and columns for dropped coefficients). */
  variance: number[][];
  loglikNull: number;
  loglik: number;
  likelihoodRatioTest: ChiSquareTest;
  waldTest: ChiSquareTest;
  scoreTest: ChiSquareTest;
  iterations: number;
  converged: boolean;
  /**
   * Covariates whose coefficient may be infinite (monotone likelihood), by R coxph's rule: the
   * last Newton step |I⁻¹U| exceeds both the tolerance and √tolerance·|β|. R warns
   * "Loglik converged before variable …; coefficient may be infinite" for them.
   */
  possiblyInfinite: string[];
  concordance: number;
  /** R survival's standard error of the concordance (infinitesimal jackknife). */
  concordanceStandardError: number;
  concordanceCounts: ConcordanceSums;
}

/** Builds the report of a finished fit; throws while the fit is still running. */
export function summarizeCox(state: CoxNewtonState): CoxReport {
  const final = state.final;
  if (final === null || state.loglikNull === null || state.scoreTest === null) {
    throw new Error('summarizeCox: the fit has not finished; run coxNewtonStep until it returns done');
  }

  const dropped = new Set(final.droppedIndices);
  const coefficients = state.layout.map((name, index): CoxCoefficient => {
    if (dropped.has(index)) {
      return { name, coefficient: null, standardError: null, hazardRatio: null, lower95: null, upper95: null, z: null, pValue: null };
    }
    const coefficient = final.beta[index] as number;
    const standardError = Math.sqrt((final.variance[index] as number[])[index] as number);
    const z = coefficient / standardError;
    return {
      name,
      coefficient,
      standardError,
      hazardRatio: Math.exp(coefficient),
      lower95: Math.exp(coefficient - NORMAL_QUANTILE_975 * standardError),
      upper95: Math.exp(coefficient + NORMAL_QUANTILE_975 * standardError),
      z,
      pValue: normalTwoSidedP(z),
    };
  });

  const df = state.layout.length - dropped.size;
  const chiSquare = (statistic: number): ChiSquareTest => ({ statistic, df, pValue: chiSquareUpperTail(statistic, df) });

  return {
    ties: state.ties,
    n: final.n,
    nEvents: final.nEvents,
    coefficients,
    variance: final.variance.map((row) => [...row]),
    loglikNull: state.loglikNull,
    loglik: final.loglik,
    likelihoodRatioTest: chiSquare(2 * (final.loglik - state.loglikNull)),
    waldTest: chiSquare(waldStatistic(final)),
    scoreTest: chiSquare(state.scoreTest),
    iterations: state.iterations,
    converged: state.status === 'converged',
    possiblyInfinite: possiblyInfiniteCoefficients(state),
    concordance: concordanceIndex(final.concordance),
    concordanceStandardError: concordanceStandardError(final.concordance),
    concordanceCounts: { ...final.concordance },
  };
}

function possiblyInfiniteCoefficients(state: CoxNewtonState): string[] {
  const final = state.final;
  if (final === null || state.maxIterations <= 1) {
    return [];
  }
  const relativeTolerance = Math.sqrt(state.tolerance);
  return state.layout.filter((_, j) => {
    let step = 0;
    for (const [k, score] of final.score.entries()) {
      step += score * ((final.variance[k] as number[])[j] as number);
    }
    const size = Math.abs(step);
    return size > state.tolerance && size > relativeTolerance * Math.abs(final.beta[j] as number);
  });
}
