import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { modelSpecSchema } from '../spec/model-spec.js';
import {
  coxNewtonStep,
  coxOptionsFromSpec,
  coxRoundBeta,
  computeCoxSiteSums,
  compileCoxSiteGraph,
  countConcordance,
  countConcordanceSums,
  createCoxNewtonState,
  prepareCoxSiteData,
  summarizeCox,
  sumCoxSiteSums,
  type CoxNewtonState,
  type CoxReport,
  type CoxSiteData,
  type CoxTies,
  type SurvivalRows,
  ZERO_CONCORDANCE_SUMS,
} from './index.js';

const DATA = '/work/shared/data';

interface Table {
  header: string[];
  rows: number[][];
}

function readCsv(path: string): Table {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  return {
    header: (lines[0] as string).split(','),
    rows: lines.slice(1).map((line) => line.split(',').map(Number)),
  };
}

/** Survival rows from a design CSV whose first two columns are time and event. */
function survivalRows(table: Table): SurvivalRows {
  const layout = table.header.slice(2);
  const n = table.rows.length;
  const x = new Float64Array(n * layout.length);
  table.rows.forEach((row, i) => layout.forEach((_, j) => (x[i * layout.length + j] = row[j + 2] as number)));
  return {
    layout,
    n,
    x,
    time: Float64Array.from(table.rows.map((row) => row[0] as number)),
    event: Float64Array.from(table.rows.map((row) => row[1] as number)),
  };
}

/** Runs a federated fit to the end, one round per loop, and returns the report and round count. */
async function fitFederated(
  sites: CoxSiteData[],
  layout: string[],
  ties: CoxTies,
  options: { tolerance: number; maxIterations: number; pivotTolerance?: number },
): Promise<{ report: CoxReport; rounds: number; state: CoxNewtonState }> {
  const graph = compileCoxSiteGraph(layout, ties);
  let state = createCoxNewtonState(layout, { ties, ...options });
  let rounds = 0;
  for (;;) {
    const beta = coxRoundBeta(state);
    const sums = await Promise.all(sites.map((data) => computeCoxSiteSums({ graph, ties, data, beta })));
    rounds += 1;
    // Persist and restore the state between rounds, as the aggregator does through its database.
    const step = coxNewtonStep(JSON.parse(JSON.stringify(state)) as CoxNewtonState, sumCoxSiteSums(layout, sums));
    state = step.state;
    if (step.done) {
      return { report: summarizeCox(state), rounds, state };
    }
  }
}

interface ReferenceFit {
  covariates: string[];
  coefficients: Record<string, number>;
  se: Record<string, number>;
  exp_coef: Record<string, number>;
  z: Record<string, number>;
  p_value: Record<string, number>;
  variance_matrix: number[][];
  loglik_null: number;
  loglik: number;
  lrt_statistic: number;
  wald_statistic: number;
  score_statistic: number;
  df: number;
  iterations: number;
  concordance: number;
  concordance_se: number;
  concordance_counts: { concordant: number; discordant: number; 'tied.x': number; 'tied.y': number; 'tied.xy': number };
  control: { eps: number; toler_chol: number; iter_max: number };
}

function readReference(file: string): ReferenceFit {
  const json = JSON.parse(readFileSync(`${DATA}/reference/${file}`, 'utf8')) as {
    breslow: { tight_control: ReferenceFit };
  };
  return json.breslow.tight_control;
}

function expectRelative(actual: number | null, expected: number, tolerance: number, what: string): void {
  expect(actual, what).not.toBeNull();
  const error = Math.abs((actual as number) - expected) / Math.abs(expected);
  expect(error, `${what}: ${actual} vs R ${expected}`).toBeLessThan(tolerance);
}

function expectMatchesR(report: CoxReport, reference: ReferenceFit): void {
  expect(report.coefficients.map((row) => row.name)).toEqual(reference.covariates);
  for (const row of report.coefficients) {
    expectRelative(row.coefficient, reference.coefficients[row.name] as number, 1e-6, `coefficient ${row.name}`);
    expectRelative(row.standardError, reference.se[row.name] as number, 1e-6, `SE ${row.name}`);
    expectRelative(row.hazardRatio, reference.exp_coef[row.name] as number, 1e-6, `HR ${row.name}`);
    expectRelative(row.z, reference.z[row.name] as number, 1e-6, `z ${row.name}`);
    expectRelative(row.pValue, reference.p_value[row.name] as number, 1e-6, `p ${row.name}`);
  }
  reference.variance_matrix.forEach((row, i) =>
    row.forEach((value, j) => expectRelative((report.variance[i] as number[])[j] as number, value, 1e-6, `variance[${i}][${j}]`)),
  );
  expectRelative(report.loglik, reference.loglik, 1e-6, 'loglik');
  expectRelative(report.loglikNull, reference.loglik_null, 1e-6, 'null loglik');
  expectRelative(report.likelihoodRatioTest.statistic, reference.lrt_statistic, 1e-6, 'LRT');
  expectRelative(report.scoreTest.statistic, reference.score_statistic, 1e-6, 'score test');
  // The reference file stores the Wald statistic rounded to 2 decimals, as summary.coxph prints it.
  expect(Math.abs(report.waldTest.statistic - reference.wald_statistic)).toBeLessThanOrEqual(0.005);
  expect(report.waldTest.df).toBe(reference.df);
  expect(report.converged).toBe(true);
  expect(report.concordanceCounts.concordant).toBe(reference.concordance_counts.concordant);
  expect(report.concordanceCounts.discordant).toBe(reference.concordance_counts.discordant);
  expect(report.concordanceCounts.tiedScore).toBe(reference.concordance_counts['tied.x']);
  expect(report.concordanceCounts.tiedTime).toBe(reference.concordance_counts['tied.y']);
  expect(report.concordanceCounts.tiedTimeAndScore).toBe(reference.concordance_counts['tied.xy']);
  expectRelative(report.concordance, reference.concordance, 1e-12, 'concordance');
  expectRelative(report.concordanceStandardError, reference.concordance_se, 1e-9, 'concordance SE');
}

describe('federated Cox fit on GBSG2', () => {
  it('matches R coxph with strata(site) from three site sums', async () => {
    const reference = readReference('gbsg2_cox_stratified.json');
    const layout = reference.covariates;
    const sites = [1, 2, 3].map((site) =>
      prepareCoxSiteData(survivalRows(readCsv(`${DATA}/gbsg2_sites/site${site}.csv`)), layout),
    );

    const { report, rounds } = await fitFederated(sites, layout, 'breslow', {
      tolerance: reference.control.eps,
      maxIterations: reference.control.iter_max,
      pivotTolerance: reference.control.toler_chol,
    });

    expectMatchesR(report, reference);
    expect(report.iterations).toBe(reference.iterations);
    expect(rounds).toBeLessThanOrEqual(reference.iterations + 1);
    expect(report.n).toBe(686);
    expect(report.nEvents).toBe(299);
  });

  it('matches pooled R coxph when one site holds every row', async () => {
    const reference = readReference('gbsg2_cox.json');
    const layout = reference.covariates;
    const pooled = prepareCoxSiteData(survivalRows(readCsv(`${DATA}/gbsg2_design.csv`)), layout);

    const { report } = await fitFederated([pooled], layout, 'breslow', {
      tolerance: reference.control.eps,
      maxIterations: reference.control.iter_max,
      pivotTolerance: reference.control.toler_chol,
    });

    expectMatchesR(report, reference);
    expect(report.iterations).toBe(reference.iterations);
  });

  it('gives the same fit when sites order their columns differently', async () => {
    const reference = readReference('gbsg2_cox_stratified.json');
    const layout = reference.covariates;
    const shuffled = [...layout].reverse();
    const sites = [1, 2, 3].map((site, index) => {
      const rows = survivalRows(readCsv(`${DATA}/gbsg2_sites/site${site}.csv`));
      // Site 2 stores its columns in reverse order; selection by name must undo it.
      return prepareCoxSiteData(index === 1 ? reorderColumns(rows, shuffled) : rows, layout);
    });

    const { report } = await fitFederated(sites, layout, 'breslow', { tolerance: 1e-12, maxIterations: 100 });

    expectRelative(report.loglik, reference.loglik, 1e-9, 'loglik');
  });
});

function reorderColumns(rows: SurvivalRows, layout: string[]): SurvivalRows {
  const p = layout.length;
  const x = new Float64Array(rows.n * p);
  const from = layout.map((name) => rows.layout.indexOf(name));
  for (let i = 0; i < rows.n; i += 1) {
    from.forEach((source, j) => (x[i * p + j] = rows.x[i * rows.layout.length + source] as number));
  }
  return { ...rows, layout, x };
}

/**
 * Independent float64 reference of the stratum's partial likelihood, score and information,
 * written from the Breslow and Efron definitions. For each distinct event time it loops over the
 * risk set and the tied events directly, in O(n²·p²), without centring or cumulative sums.
 */
function referenceCoxSums(rows: SurvivalRows, beta: number[], ties: CoxTies) {
  const p = beta.length;
  const x = (i: number, j: number) => rows.x[i * p + j] as number;
  const eta = Array.from({ length: rows.n }, (_, i) => beta.reduce((sum, b, j) => sum + b * x(i, j), 0));
  const risk = eta.map(Math.exp);
  let loglik = 0;
  const score = new Array<number>(p).fill(0);
  const information = Array.from({ length: p }, () => new Array<number>(p).fill(0));

  const eventTimes = [...new Set(Array.from(rows.time).filter((_, i) => rows.event[i] === 1))];
  for (const t of eventTimes) {
    const atRisk = Array.from({ length: rows.n }, (_, i) => i).filter((i) => (rows.time[i] as number) >= t);
    const died = atRisk.filter((i) => rows.time[i] === t && rows.event[i] === 1);
    const moments = (members: number[]) => {
      let s0 = 0;
      const s1 = new Array<number>(p).fill(0);
      const s2 = Array.from({ length: p }, () => new Array<number>(p).fill(0));
      for (const i of members) {
        s0 += risk[i] as number;
        for (let j = 0; j < p; j += 1) {
          s1[j] = (s1[j] as number) + (risk[i] as number) * x(i, j);
          for (let k = 0; k < p; k += 1) {
            (s2[j] as number[])[k] = ((s2[j] as number[])[k] as number) + (risk[i] as number) * x(i, j) * x(i, k);
          }
        }
      }
      return { s0, s1, s2 };
    };
    const all = moments(atRisk);
    const tied = moments(died);
    const d = died.length;

    died.forEach((i, rank) => {
      const f = ties === 'efron' ? rank / d : 0;
      const s0 = all.s0 - f * tied.s0;
      const s1 = all.s1.map((value, j) => value - f * (tied.s1[j] as number));
      loglik += (eta[i] as number) - Math.log(s0);
      for (let j = 0; j < p; j += 1) {
        score[j] = (score[j] as number) + x(i, j) - (s1[j] as number) / s0;
        for (let k = 0; k < p; k += 1) {
          const s2 = ((all.s2[j] as number[])[k] as number) - f * ((tied.s2[j] as number[])[k] as number);
          (information[j] as number[])[k] =
            ((information[j] as number[])[k] as number) + s2 / s0 - ((s1[j] as number) * (s1[k] as number)) / (s0 * s0);
        }
      }
    });
  }
  return { loglik, score, information };
}

/** Mulberry32: a small seeded generator, enough for reproducible test data. */
function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random survival rows with many tied times (integer times 1..12) and some tied events. */
function randomRows(n: number, layout: string[], seed: number): SurvivalRows {
  const uniform = seededUniform(seed);
  const p = layout.length;
  // The first covariate is a 0/1 indicator, the others uniform on (-1, 1).
  const x = new Float64Array(n * p);
  for (let index = 0; index < n * p; index += 1) {
    x[index] = index % p === 0 ? Math.round(uniform()) : 2 * uniform() - 1;
  }
  return {
    layout,
    n,
    x,
    time: Float64Array.from({ length: n }, () => 1 + Math.floor(uniform() * 12)),
    event: Float64Array.from({ length: n }, () => (uniform() < 0.7 ? 1 : 0)),
  };
}

function expectClose(actual: number[], expected: number[], tolerance: number, what: string): void {
  const scale = Math.max(...expected.map(Math.abs));
  actual.forEach((value, index) => {
    const error = Math.abs(value - (expected[index] as number)) / Math.max(Math.abs(expected[index] as number), scale);
    expect(error, `${what}[${index}]: graph ${value} vs reference ${expected[index]}`).toBeLessThan(tolerance);
  });
}

describe('Cox site graph', () => {
  const layout = ['treated', 'age_scaled', 'marker'];
  const beta = { treated: 0.4, age_scaled: -0.7, marker: 1.3 };

  it.each(['breslow', 'efron'] as const)('agrees with the direct %s formulas on tied data', async (ties) => {
    const rows = randomRows(150, layout, 7);
    const data = prepareCoxSiteData(rows, layout);
    const graph = compileCoxSiteGraph(layout, ties);

    const sums = await computeCoxSiteSums({ graph, ties, data, beta });
    const expected = referenceCoxSums(rows, [0.4, -0.7, 1.3], ties);

    expectClose([sums.loglik], [expected.loglik], 1e-12, 'loglik');
    expectClose(sums.score, expected.score, 1e-12, 'score');
    expectClose(sums.information.flat(), expected.information.flat(), 1e-12, 'information');
  });

  it('gives Efron and Breslow the same sums without tied times', async () => {
    const rows = randomRows(60, layout, 11);
    rows.time = Float64Array.from(rows.time, (value, index) => value + index / 1000);
    const data = prepareCoxSiteData(rows, layout);

    const breslow = await computeCoxSiteSums({ graph: compileCoxSiteGraph(layout, 'breslow'), ties: 'breslow', data, beta });
    const efron = await computeCoxSiteSums({ graph: compileCoxSiteGraph(layout, 'efron'), ties: 'efron', data, beta });

    expectClose([efron.loglik], [breslow.loglik], 1e-12, 'loglik');
    expectClose(efron.score, breslow.score, 1e-12, 'score');
  });

  it('compiles byte-identical graphs from the same layout', () => {
    const first = compileCoxSiteGraph(layout, 'efron');
    const second = compileCoxSiteGraph([...layout], 'efron');

    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);
    expect(Buffer.from(first).equals(Buffer.from(compileCoxSiteGraph(layout, 'breslow')))).toBe(false);
    expect(Buffer.from(first).equals(Buffer.from(compileCoxSiteGraph([...layout].reverse(), 'efron')))).toBe(false);
  });

  it.each([
    ['an empty layout', [] as string[], 'efron', /layout is empty/],
    ['a repeated name', ['age', 'age'], 'efron', /appears twice/],
    ['unknown ties', ['age'], 'exact', /use "breslow" or "efron"/],
  ])('rejects %s', (_case, badLayout, ties, message) => {
    expect(() => compileCoxSiteGraph(badLayout, ties as CoxTies)).toThrow(message);
  });
});

describe('Efron federated fit', () => {
  it('converges to the root of the direct Efron score', async () => {
    const layout = ['treated', 'age_scaled', 'marker'];
    const rows = randomRows(300, layout, 23);
    const sites = [0, 1, 2].map((site) => {
      const keep = Array.from({ length: rows.n }, (_, i) => i).filter((i) => i % 3 === site);
      return prepareCoxSiteData(
        {
          layout,
          n: keep.length,
          x: Float64Array.from(keep.flatMap((i) => Array.from(rows.x.subarray(i * 3, i * 3 + 3)))),
          time: Float64Array.from(keep.map((i) => rows.time[i] as number)),
          event: Float64Array.from(keep.map((i) => rows.event[i] as number)),
        },
        layout,
      );
    });

    const { report } = await fitFederated(sites, layout, 'efron', { tolerance: 1e-12, maxIterations: 50 });

    expect(report.converged).toBe(true);
    const beta = report.coefficients.map((row) => row.coefficient as number);
    // At the maximum, the summed direct Efron score of the three strata is zero.
    const score = [0, 1, 2]
      .map((site) => {
        const data = sites[site] as CoxSiteData;
        return referenceCoxSums({ layout, n: data.n, x: data.x, time: data.time, event: data.event }, beta, 'efron').score;
      })
      .reduce((sum, part) => sum.map((value, j) => value + (part[j] as number)));
    for (const value of score) {
      expect(Math.abs(value)).toBeLessThan(1e-8);
    }
  });
});

describe('prepareCoxSiteData', () => {
  const layout = ['a', 'b'];
  const valid = (): SurvivalRows => ({
    layout,
    n: 3,
    x: Float64Array.from([1, 2, 3, 4, 5, 6]),
    time: Float64Array.from([5, 2, 5]),
    event: Float64Array.from([1, 1, 1]),
  });

  it('sorts rows by time and indexes tie groups', () => {
    const data = prepareCoxSiteData(valid(), layout);

    expect(Array.from(data.time)).toEqual([2, 5, 5]);
    expect(Array.from(data.x)).toEqual([3, 4, 1, 2, 5, 6]);
    expect(Array.from(data.tieStart)).toEqual([0n, 1n, 1n]);
    expect(Array.from(data.tieNext)).toEqual([1n, 3n, 3n]);
    expect(Array.from(data.efronFraction)).toEqual([0, 0, 0.5]);
    expect(data.nEvents).toBe(3);
  });

  it.each([
    ['a missing covariate', (rows: SurvivalRows) => ({ ...rows, layout: ['a', 'c'] }), /covariate "b" is missing/],
    ['a negative time', (rows: SurvivalRows) => ({ ...rows, time: Float64Array.from([1, -1, 2]) }), /time of row 2 is -1/],
    ['an event of 2', (rows: SurvivalRows) => ({ ...rows, event: Float64Array.from([1, 2, 0]) }), /event of row 2 is 2/],
    ['a NaN covariate', (rows: SurvivalRows) => ({ ...rows, x: Float64Array.from([1, 2, 3, NaN, 5, 6]) }), /"b" of row 2 is NaN/],
    ['mismatched lengths', (rows: SurvivalRows) => ({ ...rows, n: 4 }), /expected x with 4×2/],
  ])('rejects %s', (_case, change, message) => {
    expect(() => prepareCoxSiteData(change(valid()), layout)).toThrow(message);
  });
});

describe('countConcordance', () => {
  it('counts pairs as survival concordance does, with ties in time and score', () => {
    // Brute force by the pair rules: i (an event) against every j with t_j > t_i, or t_j = t_i and j censored.
    const uniform = seededUniform(5);
    const n = 80;
    const time = Array.from({ length: n }, () => 1 + Math.floor(uniform() * 10));
    const event = Array.from({ length: n }, () => (uniform() < 0.6 ? 1 : 0));
    const score = Array.from({ length: n }, () => Math.floor(uniform() * 6));
    const expected = { concordant: 0, discordant: 0, tiedScore: 0, tiedTime: 0, tiedTimeAndScore: 0 };
    // Each row's own counts of concordant, discordant and score-tied pairs.
    const perRow = Array.from({ length: n }, () => [0, 0, 0]);
    for (let i = 0; i < n; i += 1) {
      if (event[i] !== 1) continue;
      for (let j = 0; j < n; j += 1) {
        if (j === i) continue;
        const outlives = (time[j] as number) > (time[i] as number) || (time[j] === time[i] && event[j] === 0);
        if (outlives) {
          // 0: concordant, 1: discordant, 2: tied score.
          let kind = 2;
          if ((score[i] as number) > (score[j] as number)) kind = 0;
          if ((score[i] as number) < (score[j] as number)) kind = 1;
          if (kind === 0) expected.concordant += 1;
          if (kind === 1) expected.discordant += 1;
          if (kind === 2) expected.tiedScore += 1;
          (perRow[i] as number[])[kind] = ((perRow[i] as number[])[kind] as number) + 1;
          (perRow[j] as number[])[kind] = ((perRow[j] as number[])[kind] as number) + 1;
        } else if (time[j] === time[i] && event[j] === 1 && j > i) {
          if (score[i] === score[j]) expected.tiedTimeAndScore += 1;
          else expected.tiedTime += 1;
        }
      }
    }
    const sum = (term: (row: number[]) => number) => perRow.reduce((total, row) => total + term(row), 0);

    const counts = countConcordanceSums(time, event, score);

    expect(countConcordance(time, event, score)).toEqual(expected);
    expect(counts).toEqual({
      ...expected,
      influenceDifferenceSquares: sum(([c, d]) => ((c as number) - (d as number)) ** 2),
      influenceCrossProducts: sum(([c, d, t]) => ((c as number) - (d as number)) * ((c as number) + (d as number) + (t as number))),
      influenceTotalSquares: sum(([c, d, t]) => ((c as number) + (d as number) + (t as number)) ** 2),
    });
  });
});

describe('coxNewtonStep', () => {
  it('rejects sums for another layout', () => {
    const state = createCoxNewtonState(['a', 'b'], { ties: 'breslow' });
    const sums = {
      layout: ['b', 'a'],
      loglik: -10,
      score: [0, 0],
      information: [
        [1, 0],
        [0, 1],
      ],
      n: 10,
      nEvents: 5,
      concordance: { ...ZERO_CONCORDANCE_SUMS },
    };

    expect(() => coxNewtonStep(state, sums)).toThrow(/sums are for covariates b, a/);
  });

  it('marks a collinear covariate as not estimable', async () => {
    const layout = ['a', 'b', 'a_copy'];
    const rows = randomRows(120, ['a', 'b', 'c'], 3);
    for (let i = 0; i < rows.n; i += 1) {
      rows.x[i * 3 + 2] = rows.x[i * 3] as number;
    }
    const data = prepareCoxSiteData({ ...rows, layout }, layout);

    const { report } = await fitFederated([data], layout, 'breslow', { tolerance: 1e-9, maxIterations: 20 });

    expect(report.coefficients[2]?.coefficient).toBeNull();
    expect(report.coefficients[0]?.coefficient).not.toBeNull();
    expect(report.likelihoodRatioTest.df).toBe(2);
  });
});

describe('coxOptionsFromSpec', () => {
  it('reads ties and stopping rule from a cox_ph spec', () => {
    const spec = modelSpecSchema.parse({
      family: 'cox_ph',
      outcome: { kind: 'survival', time: 'time', event: 'cens' },
      features: [{ column: 'age', encoding: 'numeric' }],
      hyperparameters: { ties: 'breslow' },
    });

    expect(coxOptionsFromSpec(spec)).toEqual({ ties: 'breslow', tolerance: 1e-9, maxIterations: 20 });
  });
});

describe('coxNewtonStep iteration control', () => {
  const layout = ['a'];
  const sums = (loglik: number, score: number) => ({
    layout,
    loglik,
    score: [score],
    information: [[2]],
    n: 20,
    nEvents: 8,
    concordance: { ...ZERO_CONCORDANCE_SUMS, concordant: 1 },
  });

  it('halves the step when the log-likelihood decreases', () => {
    let state = createCoxNewtonState(layout, { ties: 'breslow', tolerance: 1e-9, maxIterations: 10 });
    state = coxNewtonStep(state, sums(-50, 4)).state;
    expect(state.nextBeta).toEqual([2]);

    const worse = coxNewtonStep(state, sums(-60, -3));

    expect(worse.done).toBe(false);
    expect(worse.state.halving).toBe(true);
    expect(worse.state.nextBeta).toEqual([1]);
    expect(worse.state.loglik).toBe(-50);
  });

  it('does not stop right after a halved step', () => {
    let state = createCoxNewtonState(layout, { ties: 'breslow', tolerance: 1e-9, maxIterations: 10 });
    state = coxNewtonStep(state, sums(-50, 4)).state;
    state = coxNewtonStep(state, sums(-60, -3)).state;

    // The same log-likelihood as the last accepted one would meet the tolerance, but R's coxfit6
    // only stops after a full Newton step.
    const next = coxNewtonStep(state, sums(-50, 0.5));

    expect(next.done).toBe(false);
    expect(next.state.halving).toBe(false);
    expect(next.state.beta).toEqual([1]);
    expect(next.state.nextBeta).toEqual([1.25]);
  });

  it('stops at the iteration limit without converging', () => {
    let state = createCoxNewtonState(layout, { ties: 'breslow', tolerance: 1e-12, maxIterations: 2 });
    state = coxNewtonStep(state, sums(-50, 4)).state;
    state = coxNewtonStep(state, sums(-40, 2)).state;

    const last = coxNewtonStep(state, sums(-35, 1));

    expect(last.done).toBe(true);
    expect(last.state.status).toBe('max_iterations');
    const report = summarizeCox(last.state);
    expect(report.converged).toBe(false);
    expect(report.iterations).toBe(2);
    expect(report.coefficients[0]?.coefficient).toBe(3);
    expect(() => coxNewtonStep(last.state, sums(-35, 1))).toThrow(/already stopped \(max_iterations\)/);
  });

  it('rejects summarizing a running fit', () => {
    const state = createCoxNewtonState(layout, { ties: 'efron' });
    expect(() => summarizeCox(state)).toThrow(/has not finished/);
  });

  it.each([
    ['a NaN log-likelihood', sums(Number.NaN, 1), /log-likelihood is NaN/],
    ['an infinite score', sums(-10, Number.POSITIVE_INFINITY), /contains Infinity/],
    ['no events', { ...sums(-10, 1), nEvents: 0 }, /no events/],
  ])('rejects sums with %s', (_case, summed, message) => {
    const state = createCoxNewtonState(layout, { ties: 'breslow' });
    expect(() => coxNewtonStep(state, summed)).toThrow(message);
  });
});

describe('possibly infinite coefficients', () => {
  it('flags a covariate that separates events as R does', async () => {
    // Every row with marker = 1 fails before any row with marker = 0: the partial likelihood
    // keeps rising as the marker's coefficient grows.
    const layout = ['marker', 'noise'];
    const n = 40;
    const x = new Float64Array(n * 2);
    const time = new Float64Array(n);
    const event = new Float64Array(n);
    const uniform = seededUniform(13);
    for (let i = 0; i < n; i += 1) {
      x[i * 2] = i < 20 ? 1 : 0;
      x[i * 2 + 1] = 2 * uniform() - 1;
      time[i] = i + 1;
      event[i] = i % 4 === 3 ? 0 : 1;
    }
    const data = prepareCoxSiteData({ layout, n, x, time, event }, layout);

    const { report } = await fitFederated([data], layout, 'efron', { tolerance: 1e-9, maxIterations: 30 });

    expect(report.possiblyInfinite).toEqual(['marker']);
  });

  it('flags nothing on the GBSG2 fit', async () => {
    const layout = readReference('gbsg2_cox.json').covariates;
    const pooled = prepareCoxSiteData(survivalRows(readCsv(`${DATA}/gbsg2_design.csv`)), layout);

    const { report } = await fitFederated([pooled], layout, 'breslow', { tolerance: 1e-9, maxIterations: 20 });

    expect(report.possiblyInfinite).toEqual([]);
  });
});
