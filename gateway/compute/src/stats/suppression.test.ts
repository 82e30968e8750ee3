import { describe, expect, it } from 'vitest';

import { suppressSmallCells } from './suppression.js';

describe('suppressSmallCells', () => {
  it('publishes zero and counts at or above the minimum', () => {
    expect(suppressSmallCells([0, 10, 25], { minimum: 10 })).toEqual([
      { suppressed: false, count: 0 },
      { suppressed: false, count: 10 },
      { suppressed: false, count: 25 },
    ]);
  });

  it('withholds the smallest other cell when only one cell is small', () => {
    expect(suppressSmallCells([3, 40, 12, 0], { minimum: 10 })).toEqual([
      { suppressed: true },
      { suppressed: false, count: 40 },
      { suppressed: false, count: 12 },
      { suppressed: true },
    ]);
  });

  it('needs no complement when two cells are small', () => {
    expect(suppressSmallCells([3, 40, 4], { minimum: 10 })).toEqual([{ suppressed: true }, { suppressed: false, count: 40 }, { suppressed: true }]);
  });

  it('skips the complement when asked', () => {
    expect(suppressSmallCells([3, 40], { minimum: 10, complementary: false })).toEqual([{ suppressed: true }, { suppressed: false, count: 40 }]);
  });

  it.each([
    ['minimum of 0', [1], { minimum: 0 }, /positive integer/],
    ['fractional minimum', [1], { minimum: 2.5 }, /positive integer/],
    ['negative count', [-1], {}, /cell 0 is -1/],
    ['NaN count', [Number.NaN], {}, /cell 0 is NaN/],
  ])('rejects %s', (_case, counts, options, message) => {
    expect(() => suppressSmallCells(counts, options)).toThrow(message);
  });
});
