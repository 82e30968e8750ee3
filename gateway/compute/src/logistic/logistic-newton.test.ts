import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { prepareBinarySiteData, type BinaryRows } from './binary-site-data.js';
import { compileLogisticSiteGraph, INTERCEPT } from './logistic-site-graph.js';
import { computeLogisticSiteSums, sumLogisticSiteSums } from './logistic-site-sums.js';
import {
  createLogisticNewtonState,
  logisticNewtonStep,
  logisticRoundBeta,
  summarizeLogistic,
  type LogisticNewtonState,
  type LogisticReport,
} from './logistic-newton.js';
import { DATA_DIRECTORY, loadWdbc, selectRows } from './testing/wdbc.js';

interface ReferenceModel {
  features: string[];
  tight_control: {
    coefficients: Record<string, number>;
    se: Record<string, number>;
    z: Record<string, number>;
    p_value: Record<string, number>;
    variance_matrix: number[][];
    deviance: number;
    null_deviance: number;
    loglik: number;
    aic: number;
    df_residual: number;
    df_null: number;
    iterations: number;
    control: { epsilon: number; maxit: number };
  };
}

const reference = JSON.parse(readFileSync(`${DATA_DIRECTORY}/reference/wdbc_logistic.json`, 'utf8')) as {
  feature_mean: Record<string, number>;
  feature_sd: Record<string, number>;
  models: { mean5: ReferenceModel };
};

async function fitFederated(
  sites: BinaryRows[],
  layout: string[],
  options: { tolerance: number; maxIterations: number },
): Promise<{ report: LogisticReport; rounds: number }> {
  const graph = compileLogisticSiteGraph(layout);
  const data = sites.map((rows) => prepareBinarySiteData(rows, layout));
  let state = createLogisticNewtonState(layout, options);
  let rounds = 0;
  for (;;) {
    const beta = logisticRoundBeta(state);
    const sums = await Promise.all(data.map((site) => computeLogisticSiteSums({ graph, data: site, beta })));
    rounds += 1;
    const step = logisticNewtonStep(JSON.parse(JSON.stringify(state)) as LogisticNewtonState, sumLogisticSiteSums(state.coefficients, sums));
    state = step.state;
    if (step.done) {
      return { report: summarizeLogistic(state), rounds };
    }
  }
}

function expectRelative(actual: number | null, expected: number, tolerance: number, what: string): void {
  expect(actual, what).not.toBeNull();
  const error = Math.abs((actual as number) - expected) / Math.abs(expected);
  expect(error, `${what}: ${actual} vs R ${expected}`).toBeLessThan(tolerance);
}

describe('federated logistic regression by IRLS', () => {
  const model = reference.models.mean5;
  const expected = model.tight_control;
  const rows = loadWdbc(model.features, { mean: reference.feature_mean, sd: reference.feature_sd });

  it.each([
    ['one site', [rows]],
    ['three sites', [0, 1, 2].map((site) => selectRows(rows, (index) => index % 3 === site))],
  ])('matches R glm on WDBC mean5 with %s', async (_case, sites) => {
    const { report } = await fitFederated(sites, model.features, {
      tolerance: expected.control.epsilon,
      maxIterations: expected.control.maxit,
    });

    expect(report.coefficients.map((row) => row.name)).toEqual([INTERCEPT, ...model.features]);
    for (const row of report.coefficients) {
      expectRelative(row.coefficient, expected.coefficients[row.name] as number, 1e-6, `coefficient ${row.name}`);
      expectRelative(row.standardError, expected.se[row.name] as number, 1e-6, `SE ${row.name}`);
      expectRelative(row.z, expected.z[row.name] as number, 1e-6, `z ${row.name}`);
      expectRelative(row.pValue, expected.p_value[row.name] as number, 1e-6, `p ${row.name}`);
    }
    expected.variance_matrix.forEach((line, i) =>
      line.forEach((value, j) => expectRelative((report.variance[i] as number[])[j] as number, value, 1e-6, `variance[${i}][${j}]`)),
    );
    expectRelative(report.deviance, expected.deviance, 1e-6, 'deviance');
    expectRelative(report.nullDeviance, expected.null_deviance, 1e-9, 'null deviance');
    expectRelative(report.loglik, expected.loglik, 1e-6, 'loglik');
    expectRelative(report.aic, expected.aic, 1e-6, 'AIC');
    expect(report.dfResidual).toBe(expected.df_residual);
    expect(report.dfNull).toBe(expected.df_null);
    expect(report.iterations).toBe(expected.iterations);
    expect(report.converged).toBe(true);
    expect(report.boundaryFitted).toBe(0);
  });

  // The reference file notes that R's glm warns about fitted probabilities of 0 or 1 for the ten
  // *_mean features (largest fitted p = 1 - 2.2e-16).
  it('counts fitted probabilities at 0 or 1 on WDBC mean10', async () => {
    const features = ['radius', 'texture', 'perimeter', 'area', 'smoothness', 'compactness', 'concavity', 'concave_points', 'symmetry', 'fractal_dimension'].map(
      (name) => `${name}_mean`,
    );
    const all = loadWdbc(features, { mean: reference.feature_mean, sd: reference.feature_sd });

    const { report } = await fitFederated([all], features, { tolerance: 1e-14, maxIterations: 100 });

    expect(report.converged).toBe(true);
    expect(report.boundaryFitted).toBeGreaterThan(0);
  });
});

/** Independent float64 IRLS sums written from the logistic likelihood, row by row. */
function referenceSums(rows: BinaryRows, beta: number[]) {
  const p = rows.layout.length;
  const q = p + 1;
  const gradient = new Array<number>(q).fill(0);
  const hessian = Array.from({ length: q }, () => new Array<number>(q).fill(0));
  let deviance = 0;
  for (let i = 0; i < rows.n; i += 1) {
    const design = [1, ...Array.from(rows.x.subarray(i * p, (i + 1) * p))];
    const eta = design.reduce((sum, value, j) => sum + value * (beta[j] as number), 0);
    const mu = 1 / (1 + Math.exp(-eta));
    const y = rows.y[i] as number;
    deviance += -2 * (y * Math.log(mu) + (1 - y) * Math.log1p(-mu));
    for (let j = 0; j < q; j += 1) {
      gradient[j] = (gradient[j] as number) + (design[j] as number) * (y - mu);
      for (let k = 0; k < q; k += 1) {
        (hessian[j] as number[])[k] = ((hessian[j] as number[])[k] as number) + (design[j] as number) * mu * (1 - mu) * (design[k] as number);
      }
    }
  }
  return { gradient, hessian, deviance };
}

describe('logistic site graph', () => {
  it('agrees with the direct formulas on random data', async () => {
    const layout = ['a', 'b', 'c'];
    let seed = 17;
    const uniform = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const n = 200;
    const rows: BinaryRows = {
      layout,
      n,
      x: Float64Array.from({ length: n * 3 }, () => 4 * uniform() - 2),
      y: Float64Array.from({ length: n }, () => (uniform() < 0.4 ? 1 : 0)),
    };
    const beta = [0.3, -1.2, 0.8, 2.5];

    const sums = await computeLogisticSiteSums({
      graph: compileLogisticSiteGraph(layout),
      data: prepareBinarySiteData(rows, layout),
      beta: { [INTERCEPT]: 0.3, a: -1.2, b: 0.8, c: 2.5 },
    });
    const expected = referenceSums(rows, beta);

    const scale = (values: number[]) => Math.max(...values.map(Math.abs));
    for (const [actual, wanted] of [
      [sums.gradient, expected.gradient],
      [sums.hessian.flat(), expected.hessian.flat()],
      [[sums.deviance], [expected.deviance]],
    ] as const) {
      actual.forEach((value, index) => {
        expect(Math.abs(value - (wanted[index] as number)) / scale([...wanted])).toBeLessThan(1e-12);
      });
    }
    expect(sums.n).toBe(200);
    expect(sums.sumY).toBe(Array.from(rows.y).reduce((sum, value) => sum + value, 0));
  });

  it('compiles byte-identical graphs from the same layout', () => {
    expect(Buffer.from(compileLogisticSiteGraph(['a', 'b'])).equals(Buffer.from(compileLogisticSiteGraph(['a', 'b'])))).toBe(true);
    expect(Buffer.from(compileLogisticSiteGraph(['a', 'b'])).equals(Buffer.from(compileLogisticSiteGraph(['b', 'a'])))).toBe(false);
  });

  it.each([
    ['a y of 2', { y: Float64Array.from([0, 2]) }, /y of row 2 is 2/],
    ['an infinite feature', { x: Float64Array.from([1, Infinity]) }, /feature "a" of row 2 is Infinity/],
    ['a missing feature', { layout: ['b'] }, /covariate "a" is missing/],
  ])('rejects site data with %s', (_case, change, message) => {
    const rows: BinaryRows = { layout: ['a'], n: 2, x: Float64Array.from([1, 2]), y: Float64Array.from([0, 1]), ...change };
    expect(() => prepareBinarySiteData(rows, ['a'])).toThrow(message);
  });
});

describe('logisticNewtonStep iteration control', () => {
  const sums = (deviance: number) => ({
    coefficients: [INTERCEPT, 'a'],
    gradient: [0, 0],
    hessian: [
      [4, 0],
      [0, 2],
    ],
    workingResponse: [2, 1],
    deviance,
    n: 40,
    sumY: 10,
    boundaryFitted: 0,
  });

  it('evaluates the first round at the glm.fit start', () => {
    const state = createLogisticNewtonState(['a']);

    expect(logisticRoundBeta(state)).toBeNull();
    const next = logisticNewtonStep(state, sums(50)).state;
    expect(logisticRoundBeta(next)).toEqual({ [INTERCEPT]: 0.5, a: 0.5 });
  });

  it('stops at the iteration limit without converging', () => {
    let state = createLogisticNewtonState(['a'], { tolerance: 1e-12, maxIterations: 1 });
    state = logisticNewtonStep(state, sums(50)).state;

    const last = logisticNewtonStep(state, sums(40));

    expect(last.done).toBe(true);
    expect(summarizeLogistic(last.state).converged).toBe(false);
    expect(summarizeLogistic(last.state).iterations).toBe(1);
  });

  it.each([
    ['a NaN deviance', { ...sums(Number.NaN) }, /contain NaN/],
    ['fewer rows than coefficients', { ...sums(10), n: 2 }, /2 rows for 2 coefficients/],
    ['other coefficient names', { ...sums(10), coefficients: [INTERCEPT, 'b'] }, /sums are for \(Intercept\), b/],
  ])('rejects sums with %s', (_case, summed, message) => {
    expect(() => logisticNewtonStep(createLogisticNewtonState(['a']), summed)).toThrow(message);
  });
});
