import { describe, expect, it } from 'vitest';

import { compileDescriptiveSiteGraph, computeDescriptiveSiteSums } from './descriptive-site.js';
import { summarizeDescriptive } from './descriptive-summary.js';
import { addSiteTensors, readFloat64 } from './site-graph.js';
import { readCsvTable, seededRandom, tableFromColumns } from './testing/csv-table.js';
import { validateUpdate } from '../aggregate/index.js';
import { descriptiveSiteLayout, type DescriptivePlanInput } from './descriptive-plan.js';
import { siteTensorsToTensorMap } from './site-layout.js';

/** Independent plain-loop sums for one numeric column (values already rounded to the input dtype). */
function referenceNumeric(values: readonly (number | null)[], edges: readonly number[], shift: number) {
  let count = 0;
  let missing = 0;
  let sum = 0;
  let sumSquares = 0;
  let magnitude = 0;
  const cells = new Array<number>(edges.length + 1).fill(0);
  for (const value of values) {
    if (value === null || Number.isNaN(value)) {
      missing += 1;
      continue;
    }
    count += 1;
    sum += value - shift;
    sumSquares += (value - shift) ** 2;
    magnitude += Math.abs(value - shift);
    const last = edges[edges.length - 1] as number;
    if (value < (edges[0] as number)) {
      cells[0]! += 1;
    } else if (value > last) {
      cells[edges.length]! += 1;
    } else {
      let bin = edges.length - 2;
      for (let i = 0; i < edges.length - 1; i += 1) {
        if (value >= edges[i]! && value < edges[i + 1]!) {
          bin = i;
          break;
        }
      }
      cells[bin + 1]! += 1;
    }
  }
  return { count, missing, sum, sumSquares, magnitude, cells };
}

function randomColumn(random: () => number, n: number): (number | null)[] {
  // Values on a 0.5 grid give ties with each other and with the integer bin edges.
  return Array.from({ length: n }, () => (random() < 0.1 ? null : Math.round((random() * 40 - 5) * 2) / 2 + 1000));
}

describe('descriptive statistics site graph', () => {
  const random = seededRandom(42);
  const n = 700;
  const dose = randomColumn(random, n);
  const stage = Array.from({ length: n }, () => (random() < 0.05 ? null : (['I', 'II', 'III', 'IV'][Math.floor(random() * 4)] as string)));
  const table = tableFromColumns({ dose, stage });
  const edges = [1000, 1005, 1010, 1020, 1030];
  const plan = (dtype: 'float32' | 'float64', shift = 1000): DescriptivePlanInput => ({
    numeric: [{ column: 'dose', binEdges: edges, shift }],
    categorical: [{ column: 'stage', levels: ['I', 'II', 'III'] }],
    dtype,
  });

  it.each([
    ['float64', (value: number) => value, 0],
    ['float64', (value: number) => value, 1000],
    ['float32', Math.fround, 1000],
  ] as const)('matches plain sums with %s inputs (shift %s)', async (dtype, round, shift) => {
    const result = await computeDescriptiveSiteSums(table, plan(dtype, shift));
    const reference = referenceNumeric(
      dose.map((value) => (value === null ? null : round(value))),
      edges,
      shift,
    );

    expect(readFloat64(result.tensors, 'stats/dose/count')[0]).toBe(reference.count);
    expect(readFloat64(result.tensors, 'stats/dose/missing')[0]).toBe(reference.missing);
    expect(Math.abs(readFloat64(result.tensors, 'stats/dose/sum')[0]! - reference.sum)).toBeLessThanOrEqual(1e-12 * reference.magnitude);
    expect(Math.abs(readFloat64(result.tensors, 'stats/dose/sum_squares')[0]! - reference.sumSquares)).toBeLessThanOrEqual(
      1e-12 * reference.sumSquares,
    );
    expect(Array.from(readFloat64(result.tensors, 'stats/dose/histogram'))).toEqual(reference.cells);
    expect(readFloat64(result.tensors, 'stats/rows')[0]).toBe(n);
  });

  it('counts listed levels, other values and missing values', async () => {
    const result = await computeDescriptiveSiteSums(table, plan('float64'));
    const count = (level: string | null) => stage.filter((value) => value === level).length;

    expect(Array.from(readFloat64(result.tensors, 'stats/stage/level_counts'))).toEqual([
      count('I'),
      count('II'),
      count('III'),
      count('IV'),
      count(null),
    ]);
  });

  it('agrees with float64 within 1e-5 when inputs are float32', async () => {
    const [single, double] = await Promise.all([computeDescriptiveSiteSums(table, plan('float32')), computeDescriptiveSiteSums(table, plan('float64'))]);
    const a = summarizeDescriptive(single.tensors, plan('float32'), { minimumCellSize: 1 });
    const b = summarizeDescriptive(double.tensors, plan('float64'), { minimumCellSize: 1 });

    expect(Math.abs(a.numeric[0]!.mean! - b.numeric[0]!.mean!) / b.numeric[0]!.mean!).toBeLessThan(1e-5);
    expect(Math.abs(a.numeric[0]!.sd! - b.numeric[0]!.sd!) / b.numeric[0]!.sd!).toBeLessThan(1e-5);
  });

  it('pools three GBSG2 sites into the mean and SD of the pooled file', async () => {
    const statsPlan: DescriptivePlanInput = {
      numeric: [{ column: 'age', binEdges: [20, 40, 50, 60, 80] }, { column: 'tsize', shift: 30 }],
      categorical: [{ column: 'tgrade_III', levels: ['0', '1'] }],
    };
    const sites = await Promise.all(
      ['site1.csv', 'site2.csv', 'site3.csv'].map((file) => computeDescriptiveSiteSums(readCsvTable(`gbsg2_sites/${file}`), statsPlan)),
    );
    const summed = sites.map((site) => site.tensors).reduce(addSiteTensors);
    const summary = summarizeDescriptive(summed, statsPlan);

    const pooled = readCsvTable('gbsg2_design.csv');
    for (const [index, column] of ['age', 'tsize'].entries()) {
      const values = pooled.columns.get(column)!.values as number[];
      const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
      const sd = Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1));
      const result = summary.numeric[index]!;

      expect(result.n).toEqual({ suppressed: false, count: 686 });
      expect(Math.abs(result.mean! - mean) / mean).toBeLessThan(1e-12);
      expect(Math.abs(result.sd! - sd) / sd).toBeLessThan(1e-12);
    }
    expect(summary.rows).toEqual({ suppressed: false, count: 686 });
    // The design file codes grade III as 0/1 numbers, which a categorical plan counts as text.
    const grade = pooled.columns.get('tgrade_III')!.values as number[];
    expect(summary.categorical[0]!.levels.map((entry) => entry.count)).toEqual([
      { suppressed: false, count: grade.filter((value) => value === 0).length },
      { suppressed: false, count: grade.filter((value) => value === 1).length },
    ]);
  });

  it('withholds mean and SD when n is below the minimum cell size', async () => {
    const small = tableFromColumns({ dose: [1, 2, 3, null] });
    const smallPlan: DescriptivePlanInput = { numeric: [{ column: 'dose', binEdges: [0, 2, 4] }] };
    const result = await computeDescriptiveSiteSums(small, smallPlan);
    const summary = summarizeDescriptive(result.tensors, smallPlan, { minimumCellSize: 5 });

    expect(summary.numeric[0]!.n).toEqual({ suppressed: true });
    expect(summary.numeric[0]!.mean).toBeNull();
    expect(summary.numeric[0]!.sd).toBeNull();
    expect(summary.numeric[0]!.histogram!.bins).toEqual([{ suppressed: true }, { suppressed: true }]);
  });

  it('produces updates that match the declared layout', async () => {
    const result = await computeDescriptiveSiteSums(table, plan('float64'));
    const update = { siteId: 'site-a', sampleCount: result.rowCount, tensors: siteTensorsToTensorMap(result.tensors) };
    const validation = validateUpdate(update, { layout: descriptiveSiteLayout(plan('float64')), maxL2Norm: Infinity });

    expect(validation.ok, JSON.stringify(validation)).toBe(true);
  });

  it('compiles byte-identical graphs for the same plan', () => {
    expect(compileDescriptiveSiteGraph(plan('float64')).sha256).toBe(compileDescriptiveSiteGraph(plan('float64')).sha256);
    expect(compileDescriptiveSiteGraph(plan('float32')).sha256).not.toBe(compileDescriptiveSiteGraph(plan('float64')).sha256);
  });

  it.each([
    ['an empty plan', {}, /at least one numeric or categorical column/],
    ['unsorted edges', { numeric: [{ column: 'dose', binEdges: [2, 1] }] }, /strictly ascending/],
    ['repeated levels', { categorical: [{ column: 'stage', levels: ['I', 'I'] }] }, /must not repeat/],
    ['a repeated column', { numeric: [{ column: 'dose' }, { column: 'dose' }] }, /each column may appear once/],
  ])('rejects %s', (_case, badPlan, message) => {
    expect(() => compileDescriptiveSiteGraph(badPlan as DescriptivePlanInput)).toThrow(message);
  });

  it.each([
    ['a missing column', { numeric: [{ column: 'weight' }] }, /"weight" is in the statistics plan but not in the dataset/],
    ['a text column described as numeric', { numeric: [{ column: 'stage' }] }, /describe it as a categorical column/],
  ])('rejects %s at the site', async (_case, badPlan, message) => {
    await expect(computeDescriptiveSiteSums(table, badPlan as DescriptivePlanInput)).rejects.toThrow(message);
  });
});
