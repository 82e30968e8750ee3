import { describe, expect, it } from 'vitest';

import { SiteRefusal, type SitePrivacy } from './computation.js';
import { countWithheld, releasedCounts, withholdSmallCells } from './small-cells.js';

const SUPPRESS: SitePrivacy = { minCellSize: 10, smallCellAction: 'suppress', exactEventTimes: true, timeGridDays: 30 };

describe('withholdSmallCells', () => {
  it('withholds small cells and releases zeros', () => {
    const counts = [0, 3, 40, 4, 25];

    const mask = withholdSmallCells(counts, SUPPRESS, (count) => `a cell contains ${count}`);

    expect(counts).toEqual([0, 0, 40, 0, 25]);
    expect(Array.from(mask)).toEqual([0, 1, 0, 1, 0]);
    expect(countWithheld(mask)).toBe(2);
  });

  it('withholds the smallest other positive cell beside a single small one', () => {
    // With the total known, 3 alone could be recovered as total − 40 − 12 − 0.
    const counts = [3, 40, 12, 0];

    const mask = withholdSmallCells(counts, SUPPRESS, (count) => `a cell contains ${count}`);

    expect(Array.from(mask)).toEqual([1, 0, 1, 0]);
    expect(counts).toEqual([0, 40, 0, 0]);
  });

  it('releases every cell when none is small', () => {
    const counts = Float64Array.of(10, 0, 55);

    expect(Array.from(withholdSmallCells(counts, SUPPRESS, (count) => `a cell contains ${count}`))).toEqual([0, 0, 0]);
    expect(Array.from(counts)).toEqual([10, 0, 55]);
  });

  it('raises under the refuse action', () => {
    const refuse: SitePrivacy = { ...SUPPRESS, smallCellAction: 'refuse' };

    expect(() => withholdSmallCells([20, 2], refuse, (count) => `a predicted class contains ${count} rows`)).toThrow(SiteRefusal);
    expect(() => withholdSmallCells([20, 2], refuse, (count) => `a predicted class contains ${count} rows`)).toThrow(
      'a predicted class contains 2 rows, fewer than the minimum cell size 10',
    );
  });
});

describe('releasedCounts', () => {
  it('gives null for a cell any site withheld', () => {
    expect(releasedCounts([30, 0, 12], [0, 2, 1])).toEqual([30, null, null]);
  });
});
