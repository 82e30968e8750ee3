import { chiSquareUpperTail } from '../cox/distributions.js';
import { factorSymmetric, solveWithFactor } from '../cox/symmetric-solve.js';
import { checkKaplanMeierCounts, type KaplanMeierCounts } from './kaplan-meier-counts.js';

export interface LogRankOptions {
  /**
   * Weight exponent of the G-rho family (Harrington and Fleming 1982): each event time is weighted
   * by S(t−)^rho, S the pooled Kaplan–Meier curve of its stratum. 0 (the default) is the log-rank
   * test, 1 the Peto–Peto modification of the Wilcoxon test, as R's `survdiff(rho = )`.
   */
  rho?: number;
}

/** The test and its ingredients, as R's `survdiff` reports them. */
export interface LogRankResult {
  groups: string[];
  /** Rows per group, over all strata. */
  n: number[];
  /** Weighted observed events per group (the event counts when rho = 0), summed over strata. */
  observed: number[];
  /** Weighted expected events per group under equal hazards, summed over strata. */
  expected: number[];
  /** Covariance matrix of observed − expected (hypergeometric, exact for tied event times). */
  variance: number[][];
  chiSquare: number;
  /** Groups with expected > 0, minus one. */
  degreesOfFreedom: number;
  /** P(χ²_df > chiSquare); null when fewer than two groups have expected events. */
  pValue: number | null;
  rho: number;
}

/**
 * Tests whether the groups' survival curves differ, from summed event and censoring counts, as
 * R's `survdiff(Surv(time, status) ~ group, rho = rho)` (survival 3.5) does from the rows. Passing
 * several count tables makes each one a stratum (`+ strata(...)` in R): observed, expected and
 * variance are summed over strata, so sites can be strata when their counts are kept apart.
 *
 * At each event time with d events among n at risk (n_g in group g): expected_g += w d n_g / n and,
 * when n > 1, V_gh += w² d (n − d) / (n − 1) · (n_g / n) (δ_gh − n_h / n). The statistic drops the
 * first group with expected > 0 and uses the others: (O − E)ᵀ V⁻¹ (O − E).
 */
export function logRankTest(counts: KaplanMeierCounts | readonly KaplanMeierCounts[], options: LogRankOptions = {}): LogRankResult {
  const strata = Array.isArray(counts) ? (counts as readonly KaplanMeierCounts[]) : [counts as KaplanMeierCounts];
  const rho = options.rho ?? 0;
  if (!Number.isFinite(rho) || rho < 0) {
    throw new RangeError(`rho is ${rho}; use a finite value ≥ 0 (0 for the log-rank test)`);
  }
  const first = strata[0];
  if (first === undefined) {
    throw new RangeError('logRankTest: no counts were given; pass the summed counts or one table per stratum');
  }

  const groups = first.groups;
  const groupCount = groups.length;
  if (groupCount < 2) {
    throw new RangeError(`logRankTest needs at least two groups but the counts have ${JSON.stringify(groups)}; compile the graph with groupBy`);
  }

  const n = new Array<number>(groupCount).fill(0);
  const observed = new Array<number>(groupCount).fill(0);
  const expected = new Array<number>(groupCount).fill(0);
  const variance = groups.map(() => new Array<number>(groupCount).fill(0));

  for (const [index, stratum] of strata.entries()) {
    checkKaplanMeierCounts(stratum, `log-rank stratum ${index}`);
    if (stratum.groups.join('\u0000') !== groups.join('\u0000')) {
      throw new RangeError(
        `log-rank stratum ${index} has groups ${JSON.stringify(stratum.groups)} but stratum 0 has ${JSON.stringify(groups)}`,
      );
    }
    accumulateStratum(stratum, rho, { n, observed, expected, variance });
  }

  const tested = groups.map((_, g) => g).filter((g) => (expected[g] as number) > 0);
  const degreesOfFreedom = tested.length - 1;
  let chiSquare = 0;
  if (tested.length >= 2) {
    const kept = tested.slice(1);
    const difference = kept.map((g) => (observed[g] as number) - (expected[g] as number));
    const reduced = kept.map((g) => kept.map((h) => (variance[g] as number[])[h] as number));
    const solution = solveWithFactor(factorSymmetric(reduced), difference);
    chiSquare = solution.reduce((sum, value, i) => sum + value * (difference[i] as number), 0);
  }

  return {
    groups: [...groups],
    n,
    observed,
    expected,
    variance,
    chiSquare,
    degreesOfFreedom,
    pValue: degreesOfFreedom >= 1 ? chiSquareUpperTail(chiSquare, degreesOfFreedom) : null,
    rho,
  };
}

interface LogRankSums {
  n: number[];
  observed: number[];
  expected: number[];
  variance: number[][];
}

function accumulateStratum(counts: KaplanMeierCounts, rho: number, sums: LogRankSums): void {
  const groupCount = counts.groups.length;

  // Rows at risk per group start at the group totals and fall as times pass.
  const atRisk = new Array<number>(groupCount).fill(0);
  for (let i = 0; i < counts.time.length; i += 1) {
    for (let g = 0; g < groupCount; g += 1) {
      atRisk[g] = (atRisk[g] as number) + ((counts.events[i] as number[])[g] as number) + ((counts.censored[i] as number[])[g] as number);
    }
  }
  for (let g = 0; g < groupCount; g += 1) {
    sums.n[g] = (sums.n[g] as number) + (atRisk[g] as number);
  }

  // Left-continuous pooled Kaplan–Meier value S(t−), needed for the weights when rho > 0.
  let survivalBefore = 1;
  for (let i = 0; i < counts.time.length; i += 1) {
    const events = counts.events[i] as number[];
    const censored = counts.censored[i] as number[];
    const totalAtRisk = atRisk.reduce((sum, value) => sum + value, 0);
    const deaths = events.reduce((sum, value) => sum + value, 0);
    const weight = rho === 0 ? 1 : survivalBefore ** rho;

    if (deaths > 0) {
      for (let g = 0; g < groupCount; g += 1) {
        sums.observed[g] = (sums.observed[g] as number) + weight * (events[g] as number);
        sums.expected[g] = (sums.expected[g] as number) + (weight * deaths * (atRisk[g] as number)) / totalAtRisk;
      }

      if (totalAtRisk > 1) {
        const scale = (weight * weight * deaths * (totalAtRisk - deaths)) / (totalAtRisk * (totalAtRisk - 1));
        for (let g = 0; g < groupCount; g += 1) {
          const share = scale * (atRisk[g] as number);
          const row = sums.variance[g] as number[];
          row[g] = (row[g] as number) + share;
          for (let h = 0; h < groupCount; h += 1) {
            row[h] = (row[h] as number) - (share * (atRisk[h] as number)) / totalAtRisk;
          }
        }
      }
      survivalBefore *= (totalAtRisk - deaths) / totalAtRisk;
    }

    for (let g = 0; g < groupCount; g += 1) {
      atRisk[g] = (atRisk[g] as number) - (events[g] as number) - (censored[g] as number);
    }
  }
}
