import { describe, expect, it } from 'vitest';

import { normalQuantile, normalUpperTail } from './normal-distribution.js';

describe('normalQuantile', () => {
  // Reference values from Python's statistics.NormalDist().inv_cdf.
  it.each([
    [0.975, 1.9599639845400536],
    [0.95, 1.6448536269514715],
    [0.001, -3.090232306167813],
    [0.5, 0],
  ])('gives the %s quantile', (p, expected) => {
    expect(Math.abs(normalQuantile(p) - expected)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(expected)));
  });

  it('inverts the upper tail', () => {
    for (const p of [1e-10, 0.01, 0.3, 0.7, 0.99]) {
      expect(Math.abs(normalUpperTail(-normalQuantile(p)) - p) / p).toBeLessThan(1e-13);
    }
  });

  it.each([0, 1, -0.1, Number.NaN])('rejects p = %s', (p) => {
    expect(() => normalQuantile(p)).toThrow(/strictly between 0 and 1/);
  });
});
