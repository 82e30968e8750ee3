import { describe, expect, it } from 'vitest';

import { modelSpecSchema } from '../spec/index.js';
import { readCsvTable, readSharedJson, seededRandom, tableFromColumns } from '../stats/testing/csv-table.js';
import { sumKaplanMeierCounts, type KaplanMeierCounts } from './kaplan-meier-counts.js';
import {
  compileKaplanMeierSiteGraph,
  computeKaplanMeierSiteCounts,
  kaplanMeierCountsFromTensors,
  type KaplanMeierSpec,
} from './kaplan-meier-site.js';
import { medianTime, summarizeKaplanMeier, summarizeKaplanMeierByGroup } from './kaplan-meier-summary.js';
import { addSiteTensors } from '../stats/site-graph.js';

interface ReferenceKm {
  overall: {
    n: number;
    n_events: number;
    median: { median: number; lower_95: number; upper_95: number };
    surv_at: { time: number[]; surv: number[]; n_risk: number[] };
    time: number[];
    n_risk: number[];
    n_event: number[];
    n_censor: number[];
    surv: number[];
    std_err_log_surv: number[];
    std_err_surv: number[];
    lower_95: number[];
    upper_95: number[];
  };
}

function kmSpec(time: string, event: string, groupBy?: string): KaplanMeierSpec {
  const spec = modelSpecSchema.parse({ family: 'kaplan_meier', outcome: { kind: 'survival', time, event }, groupBy });
  return spec as KaplanMeierSpec;
}

/** Independent count of events and censorings per distinct time (or grid bin) and group, row by row. */
function referenceCounts(
  time: readonly number[],
  event: readonly number[],
  group: readonly string[] | undefined,
  groups: string[],
  grid?: number[],
): KaplanMeierCounts {
  const binOf = (t: number): number => {
    if (grid === undefined) {
      return t;
    }
    const index = grid.findIndex((point) => point >= t);
    return index < 0 ? Infinity : (grid[index] as number);
  };
  const keys = grid === undefined ? [...new Set(time)].sort((a, b) => a - b) : [...grid, Infinity];
  const events = keys.map(() => groups.map(() => 0));
  const censored = keys.map(() => groups.map(() => 0));
  time.forEach((t, row) => {
    const i = keys.indexOf(binOf(t));
    const g = group === undefined ? 0 : groups.indexOf(group[row] as string);
    const target = event[row] === 1 ? events : censored;
    (target[i] as number[])[g] = ((target[i] as number[])[g] as number) + 1;
  });
  return { groups, time: keys, events, censored };
}

function expectClose(actual: readonly (number | null)[], expected: readonly (number | null)[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, i) => {
    const target = expected[i] ?? null;
    if (target === null || value === null) {
      expect(value, `index ${i}`).toBe(target);
    } else {
      expect(Math.abs(value - target), `index ${i}: ${value} vs ${target}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(target)));
    }
  });
}

describe('Kaplan–Meier against R survfit on GBSG2', () => {
  const reference = readSharedJson<ReferenceKm>('reference/gbsg2_km.json').overall;

  function checkAgainstR(counts: KaplanMeierCounts): void {
    const summary = summarizeKaplanMeier(counts, { times: [365, 730, 1095, 1825] });
    const eventRows = summary.time.map((_, i) => i).filter((i) => (summary.nEvent[i] as number) > 0);
    const pick = <T>(values: T[]): T[] => eventRows.map((i) => values[i] as T);

    expect(summary.n).toBe(reference.n);
    expect(pick(summary.time)).toEqual(reference.time);
    expect(pick(summary.nRisk)).toEqual(reference.n_risk);
    expect(pick(summary.nEvent)).toEqual(reference.n_event);
    expect(pick(summary.nCensor)).toEqual(reference.n_censor);
    expectClose(pick(summary.surv), reference.surv, 1e-9);
    expectClose(pick(summary.stdErr), reference.std_err_log_surv, 1e-9);
    expectClose(pick(summary.stdErrSurv), reference.std_err_surv, 1e-9);
    expectClose(pick(summary.lower), reference.lower_95, 1e-9);
    expectClose(pick(summary.upper), reference.upper_95, 1e-9);

    expect(summary.median).toBe(reference.median.median);
    expect(summary.medianLower).toBe(reference.median.lower_95);
    expect(summary.medianUpper).toBe(reference.median.upper_95);
    expectClose(
      summary.survivalAt.map((entry) => entry.surv),
      reference.surv_at.surv,
      1e-9,
    );
    expect(summary.survivalAt.map((entry) => entry.nRisk)).toEqual(reference.surv_at.n_risk);
  }

  it('matches survfit from the pooled file', async () => {
    const table = readCsvTable('gbsg2.csv');
    const result = await computeKaplanMeierSiteCounts(table, kmSpec('time', 'cens'));

    expect(result.rowCount).toBe(686);
    checkAgainstR(result.counts);
  });

  it('matches survfit from three sites summed', async () => {
    const spec = kmSpec('time', 'event');
    const sites = await Promise.all(
      ['site1.csv', 'site2.csv', 'site3.csv'].map((file) => computeKaplanMeierSiteCounts(readCsvTable(`gbsg2_sites/${file}`), spec)),
    );

    expect(sites.map((site) => site.rowCount)).toEqual([229, 229, 228]);
    checkAgainstR(sumKaplanMeierCounts(sites.map((site) => site.counts)));
  });

  it('gives per-group curves that match a row-level count', async () => {
    const table = readCsvTable('gbsg2.csv');
    const column = table.columns.get('horTh');
    const result = await computeKaplanMeierSiteCounts(table, kmSpec('time', 'cens', 'horTh'), { groupLevels: ['no', 'yes'] });
    const time = (table.columns.get('time')!.values as number[]).slice();
    const cens = (table.columns.get('cens')!.values as number[]).slice();

    expect(result.counts).toEqual(referenceCounts(time, cens, column!.values as string[], ['no', 'yes']));
    const curves = summarizeKaplanMeierByGroup(result.counts);
    expect(curves.map((curve) => curve.n)).toEqual([440, 246]);
  });
});

describe('Kaplan–Meier site graph', () => {
  const random = seededRandom(20261204);
  const n = 500;
  // Integer times from a small range give many ties, in events and censorings alike.
  const time = Array.from({ length: n }, () => Math.floor(random() * 60));
  const event = Array.from({ length: n }, () => (random() < 0.6 ? 1 : 0));
  const arm = Array.from({ length: n }, () => ['a', 'b', 'c'][Math.floor(random() * 3)] as string);
  const table = tableFromColumns({ follow_up: time, status: event, arm });

  it('counts exact times with ties like a row-level count', async () => {
    const result = await computeKaplanMeierSiteCounts(table, kmSpec('follow_up', 'status', 'arm'), { groupLevels: ['a', 'b', 'c'] });
    expect(result.counts).toEqual(referenceCounts(time, event, arm, ['a', 'b', 'c']));
  });

  it('matches columns by name, not position', async () => {
    const reordered = tableFromColumns({ arm, status: event, follow_up: time });
    const options = { groupLevels: ['a', 'b', 'c'] };
    const spec = kmSpec('follow_up', 'status', 'arm');
    const [first, second] = await Promise.all([table, reordered].map((source) => computeKaplanMeierSiteCounts(source, spec, options)));

    expect(second!.counts).toEqual(first!.counts);
  });

  it('rounds times up to the grid in binned mode', async () => {
    const grid = [0, 10, 20.5, 30, 45];
    const result = await computeKaplanMeierSiteCounts(table, kmSpec('follow_up', 'status', 'arm'), {
      groupLevels: ['a', 'b', 'c'],
      timeGrid: grid,
    });
    expect(result.counts).toEqual(referenceCounts(time, event, arm, ['a', 'b', 'c'], grid));
    expect(result.tensors['km/time']).toBeUndefined();
  });

  it('reads summed binned tensors back as summed counts', async () => {
    const spec = kmSpec('follow_up', 'status');
    const grid = [5, 15, 25];
    const half = tableFromColumns({ follow_up: time.slice(0, 250), status: event.slice(0, 250) });
    const rest = tableFromColumns({ follow_up: time.slice(250), status: event.slice(250) });
    const [first, second] = await Promise.all([half, rest].map((part) => computeKaplanMeierSiteCounts(part, spec, { timeGrid: grid })));
    const summed = kaplanMeierCountsFromTensors(addSiteTensors(first!.tensors, second!.tensors), { groups: ['all'], timeGrid: grid });

    expect(summed).toEqual(referenceCounts(time, event, undefined, ['all'], grid));
  });

  it('reports unknown survival after the grid when rows lie beyond it', () => {
    const counts: KaplanMeierCounts = { groups: ['all'], time: [10, 20, Infinity], events: [[1], [1], [2]], censored: [[0], [1], [0]] };
    const summary = summarizeKaplanMeier(counts, { times: [15, 25] });

    expect(summary.time).toEqual([10, 20]);
    expect(summary.nRisk).toEqual([5, 4]);
    expect(summary.survivalAt[0]!.surv).toBeCloseTo(0.8, 15);
    expect(summary.survivalAt[1]!.surv).toBeNull();
    expect(summary.survivalAt[1]!.nRisk).toBe(2);
  });

  it('compiles byte-identical graphs for the same spec', () => {
    const spec = kmSpec('follow_up', 'status', 'arm');
    const first = compileKaplanMeierSiteGraph(spec, { groupLevels: ['a', 'b'], timeGrid: [1, 2, 3] });
    const second = compileKaplanMeierSiteGraph(spec, { groupLevels: ['a', 'b'], timeGrid: [1, 2, 3] });

    expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    expect(second.sha256).toBe(first.sha256);
    expect(compileKaplanMeierSiteGraph(spec, { groupLevels: ['b', 'a'], timeGrid: [1, 2, 3] }).sha256).not.toBe(first.sha256);
  });

  it.each([
    ['group levels missing', { follow_up: [1], status: [1], arm: ['a'] }, 'arm', {}, /pass its levels as groupLevels/],
    ['unknown group value', { follow_up: [1, 2], status: [1, 0], arm: ['a', 'z'] }, 'arm', { groupLevels: ['a'] }, /"z", which is not in groupLevels/],
    ['repeated group level', { follow_up: [1], status: [1], arm: ['a'] }, 'arm', { groupLevels: ['a', 'a'] }, /repeat a level/],
    ['levels without groupBy', { follow_up: [1], status: [1] }, undefined, { groupLevels: ['a'] }, /no groupBy column/],
    ['unsorted grid', { follow_up: [1], status: [1] }, undefined, { timeGrid: [2, 1] }, /strictly ascending/],
    ['event not 0 or 1', { follow_up: [1], status: [2] }, undefined, {}, /must be 0 or 1/],
  ])('rejects %s', async (_case, columns, groupBy, options, message) => {
    const spec = kmSpec('follow_up', 'status', groupBy);
    await expect(computeKaplanMeierSiteCounts(tableFromColumns(columns), spec, options)).rejects.toThrow(message);
  });
});

describe('Kaplan–Meier summary', () => {
  it('takes the midpoint when the curve sits at 0.5 over an interval', () => {
    // survfit(Surv(1:4) ~ 1): S = 0.75, 0.5, 0.25, 0, so R prints median 2.5.
    const counts: KaplanMeierCounts = { groups: ['all'], time: [1, 2, 3, 4], events: [[1], [1], [1], [1]], censored: [[0], [0], [0], [0]] };
    const summary = summarizeKaplanMeier(counts);

    expect(summary.surv).toEqual([0.75, 0.5, 0.25, 0]);
    expect(summary.median).toBe(2.5);
    expect(summary.stdErr[3]).toBe(Infinity);
    expect(summary.lower[3]).toBeNull();
  });

  it('treats values within the tolerance of 0.5 as 0.5', () => {
    expect(medianTime([0.9, 0.5 + 1e-12, 0.5 + 1e-12, 0.3], [1, 2, 3, 4])).toBe(3);
    expect(medianTime([0.9, 0.5 + 1e-6, 0.3], [1, 2, 3])).toBe(3);
    expect(medianTime([0.9, 0.6], [1, 2])).toBeNull();
    expect(medianTime([0.9, null, 0.4], [1, 2, 3])).toBe(3);
  });

  it('carries the last value at requested times and starts at 1', () => {
    const counts: KaplanMeierCounts = { groups: ['all'], time: [2, 5], events: [[1], [0]], censored: [[0], [3]] };
    const summary = summarizeKaplanMeier(counts, { times: [1, 3, 100] });

    expect(summary.survivalAt.map((entry) => entry.surv)).toEqual([1, 0.75, 0.75]);
    expect(summary.survivalAt.map((entry) => entry.nRisk)).toEqual([4, 3, 0]);
  });

  it.each([
    ['confidence level of 1', { confidenceLevel: 1 }, /strictly between 0 and 1/],
    ['unknown group', { group: 'zz' }, /not one of/],
    ['infinite requested time', { times: [Infinity] }, /request finite times/],
  ])('rejects %s', (_case, options, message) => {
    const counts: KaplanMeierCounts = { groups: ['all'], time: [1], events: [[1]], censored: [[0]] };
    expect(() => summarizeKaplanMeier(counts, options)).toThrow(message);
  });

  it.each([
    ['descending times', { groups: ['all'], time: [2, 1], events: [[1], [1]], censored: [[0], [0]] }, /strictly ascending/],
    ['negative count', { groups: ['all'], time: [1], events: [[-1]], censored: [[0]] }, /non-negative/],
    ['ragged rows', { groups: ['all', 'b'], time: [1], events: [[1]], censored: [[0, 0]] }, /1 values for 2 groups/],
  ])('rejects counts with %s', (_case, counts, message) => {
    expect(() => summarizeKaplanMeier(counts)).toThrow(message);
  });
});
