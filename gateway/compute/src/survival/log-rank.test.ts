import { describe, expect, it } from 'vitest';

import { seededRandom } from '../stats/testing/csv-table.js';
import type { KaplanMeierCounts } from './kaplan-meier-counts.js';
import { logRankTest } from './log-rank.js';

interface Row {
  time: number;
  event: number;
  group: number;
  stratum: number;
}

/**
 * Independent G-rho test written from the rows: sort by time, walk each stratum's distinct times,
 * count deaths and risk sets directly, and solve the reduced system by Gauss–Jordan elimination.
 */
function referenceLogRank(rows: Row[], groupCount: number, rho: number) {
  const observed = new Array<number>(groupCount).fill(0);
  const expected = new Array<number>(groupCount).fill(0);
  const variance = Array.from({ length: groupCount }, () => new Array<number>(groupCount).fill(0));

  for (const stratum of new Set(rows.map((row) => row.stratum))) {
    const members = rows.filter((row) => row.stratum === stratum).sort((a, b) => a.time - b.time);
    const times = [...new Set(members.map((row) => row.time))];
    let km = 1;
    for (const time of times) {
      const atRisk = members.filter((row) => row.time >= time);
      const dying = atRisk.filter((row) => row.time === time && row.event === 1);
      const total = atRisk.length;
      const deaths = dying.length;
      const weight = km ** rho;
      if (deaths === 0) {
        continue;
      }
      for (let g = 0; g < groupCount; g += 1) {
        const ng = atRisk.filter((row) => row.group === g).length;
        observed[g]! += weight * dying.filter((row) => row.group === g).length;
        expected[g]! += (weight * deaths * ng) / total;
        if (total > 1) {
          for (let h = 0; h < groupCount; h += 1) {
            const nh = atRisk.filter((row) => row.group === h).length;
            const term = ((weight * weight * deaths * (total - deaths)) / (total - 1)) * (ng / total) * ((g === h ? 1 : 0) - nh / total);
            variance[g]![h]! += term;
          }
        }
      }
      km *= (total - deaths) / total;
    }
  }

  const kept = expected.map((_, g) => g).filter((g) => expected[g]! > 0).slice(1);
  const a = kept.map((g) => [...kept.map((h) => variance[g]![h]!), observed[g]! - expected[g]!]);
  for (let col = 0; col < kept.length; col += 1) {
    const pivot = a[col]![col]!;
    for (let r = 0; r < kept.length; r += 1) {
      if (r !== col) {
        const factor = a[r]![col]! / pivot;
        for (let c = col; c <= kept.length; c += 1) {
          a[r]![c]! -= factor * a[col]![c]!;
        }
      }
    }
  }
  const chiSquare = kept.reduce((sum, g, i) => sum + (a[i]![kept.length]! / a[i]![i]!) * (observed[g]! - expected[g]!), 0);
  return { observed, expected, variance, chiSquare };
}

function countsFromRows(rows: Row[], groups: string[]): KaplanMeierCounts {
  const time = [...new Set(rows.map((row) => row.time))].sort((a, b) => a - b);
  const events = time.map(() => groups.map(() => 0));
  const censored = time.map(() => groups.map(() => 0));
  for (const row of rows) {
    const i = time.indexOf(row.time);
    (row.event === 1 ? events : censored)[i]![row.group]! += 1;
  }
  return { groups, time, events, censored };
}

function expectRelative(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.max(1e-300, Math.abs(expected)));
}

describe('logRankTest', () => {
  it('matches a hand calculation with four rows', () => {
    // A: event at 1 and 3. B: event at 2, censored at 4.
    // E_A = 2/4 + 1/3 + 1/2 = 4/3, V_AA = 1/4 + 2/9 + 1/4 = 13/18, χ² = (2 − 4/3)² / (13/18) = 8/13.
    const counts: KaplanMeierCounts = {
      groups: ['A', 'B'],
      time: [1, 2, 3, 4],
      events: [[1, 0], [0, 1], [1, 0], [0, 0]],
      censored: [[0, 0], [0, 0], [0, 0], [0, 1]],
    };
    const result = logRankTest(counts);

    expect(result.n).toEqual([2, 2]);
    expect(result.observed).toEqual([2, 1]);
    expectRelative(result.expected[0]!, 4 / 3, 1e-15);
    expectRelative(result.expected[1]!, 5 / 3, 1e-15);
    expectRelative(result.variance[0]![0]!, 13 / 18, 1e-15);
    expectRelative(result.variance[0]![1]!, -13 / 18, 1e-15);
    expectRelative(result.chiSquare, 8 / 13, 1e-14);
    expect(result.degreesOfFreedom).toBe(1);
  });

  it('reports the chi-square upper tail as the p-value', () => {
    // Same data as the hand calculation: P(χ²₁ > 8/13) = erfc(√(4/13)) = 0.43276758066778465
    // (Python's math.erfc).
    const counts: KaplanMeierCounts = {
      groups: ['A', 'B'],
      time: [1, 2, 3, 4],
      events: [[1, 0], [0, 1], [1, 0], [0, 0]],
      censored: [[0, 0], [0, 0], [0, 0], [0, 1]],
    };
    expectRelative(logRankTest(counts).pValue!, 0.43276758066778465, 1e-13);
  });

  it.each([0, 1, 0.5])('matches the row-level reference on random tied data with rho %s', (rho) => {
    const random = seededRandom(7 + rho * 10);
    const rows: Row[] = Array.from({ length: 400 }, () => ({
      time: 1 + Math.floor(random() * 40),
      event: random() < 0.7 ? 1 : 0,
      group: Math.floor(random() * 3),
      stratum: 0,
    }));
    const result = logRankTest(countsFromRows(rows, ['x', 'y', 'z']), { rho });
    const reference = referenceLogRank(rows, 3, rho);

    result.observed.forEach((value, g) => expectRelative(value, reference.observed[g]!, 1e-12));
    result.expected.forEach((value, g) => expectRelative(value, reference.expected[g]!, 1e-12));
    result.variance.forEach((row, g) => row.forEach((value, h) => expectRelative(value, reference.variance[g]![h]!, 1e-12)));
    expectRelative(result.chiSquare, reference.chiSquare, 1e-12);
    expect(result.degreesOfFreedom).toBe(2);
  });

  it('sums strata like survdiff with strata()', () => {
    const random = seededRandom(99);
    const rows: Row[] = Array.from({ length: 300 }, () => ({
      time: 1 + Math.floor(random() * 25),
      event: random() < 0.6 ? 1 : 0,
      group: Math.floor(random() * 2),
      stratum: Math.floor(random() * 3),
    }));
    const strata = [0, 1, 2].map((s) => countsFromRows(rows.filter((row) => row.stratum === s), ['a', 'b']));
    const result = logRankTest(strata);
    const reference = referenceLogRank(rows, 2, 0);

    expectRelative(result.chiSquare, reference.chiSquare, 1e-12);
    expect(result.n).toEqual([0, 1].map((g) => rows.filter((row) => row.group === g).length));
  });

  it('drops groups without expected events from the degrees of freedom', () => {
    const counts: KaplanMeierCounts = {
      groups: ['a', 'b', 'empty'],
      time: [1, 2, 3],
      events: [[1, 0, 0], [0, 1, 0], [1, 1, 0]],
      censored: [[0, 1, 0], [1, 0, 0], [0, 0, 0]],
    };
    const result = logRankTest(counts);
    expect(result.degreesOfFreedom).toBe(1);
    expect(result.expected[2]).toBe(0);
  });

  it.each([
    ['one group', { groups: ['all'], time: [1], events: [[1]], censored: [[0]] }, {}, /at least two groups/],
    ['negative rho', { groups: ['a', 'b'], time: [1], events: [[1, 0]], censored: [[0, 1]] }, { rho: -1 }, /rho is -1/],
  ])('rejects %s', (_case, counts, options, message) => {
    expect(() => logRankTest(counts, options)).toThrow(message);
  });

  it('rejects strata with different groups', () => {
    const a: KaplanMeierCounts = { groups: ['a', 'b'], time: [1], events: [[1, 0]], censored: [[0, 1]] };
    const b: KaplanMeierCounts = { groups: ['b', 'a'], time: [1], events: [[1, 0]], censored: [[0, 1]] };
    expect(() => logRankTest([a, b])).toThrow(/stratum 1 has groups/);
  });
});
