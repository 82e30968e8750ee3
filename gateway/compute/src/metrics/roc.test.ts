import { describe, expect, it } from 'vitest';

import { aucFromOrderedCounts, rocFromOrderedCounts } from './roc.js';

describe('ROC from ordered counts', () => {
  // Cells in ascending score: negatives 1, 1, 0 and positives 0, 1, 1.
  const negatives = [1, 1, 0];
  const positives = [0, 1, 1];

  it('counts ties within a cell as one half', () => {
    // Positive in cell 1: 1 negative below + 1/2 tied; positive in cell 2: 2 below. (1.5 + 2) / 4.
    expect(aucFromOrderedCounts(negatives, positives)).toBe(0.875);
  });

  it('equals the trapezoid area under its ROC points', () => {
    const roc = rocFromOrderedCounts(negatives, positives, [0, 0.5, 0.9]);
    expect(roc.falsePositiveRate).toEqual([0, 0, 0.5, 1]);
    expect(roc.truePositiveRate).toEqual([0, 0.5, 1, 1]);
    expect(roc.threshold).toEqual([Infinity, 0.9, 0.5, 0]);

    let area = 0;
    for (let i = 1; i < roc.threshold.length; i += 1) {
      const width = roc.falsePositiveRate[i]! - roc.falsePositiveRate[i - 1]!;
      area += (width * (roc.truePositiveRate[i]! + roc.truePositiveRate[i - 1]!)) / 2;
    }
    expect(area).toBe(aucFromOrderedCounts(negatives, positives));
  });

  it.each([
    ['cells of unequal length', [1, 2], [1], /the classes need the same cells/],
    ['a negative count', [-1], [1], /negative count 0 is -1/],
  ])('rejects %s', (_case, negativeCells, positiveCells, message) => {
    expect(() => aucFromOrderedCounts(negativeCells, positiveCells)).toThrow(message);
  });
});
