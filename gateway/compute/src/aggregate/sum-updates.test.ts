import { describe, expect, it } from 'vitest';

import type { TensorLayout, TensorMap } from '../weights/tensor-map.js';
import { AggregationError, type AggregationErrorCode } from './aggregation-error.js';
import { meanOfFloatTensors, sumUpdates } from './sum-updates.js';
import { validateUpdates, type SiteUpdate, type ValidatedUpdate } from './validate-update.js';

const LAYOUT: TensorLayout = {
  w: { dtype: 'F32', shape: [2] },
  events: { dtype: 'I64', shape: [2] },
  atRisk: { dtype: 'I32', shape: [1] },
};

function siteUpdate(siteId: string, sampleCount: number, w: number[], events: bigint[], atRisk: number): SiteUpdate {
  const tensors: TensorMap = {
    w: { dtype: 'F32', shape: [2], data: new Float32Array(w) },
    events: { dtype: 'I64', shape: [2], data: new BigInt64Array(events) },
    atRisk: { dtype: 'I32', shape: [1], data: new Int32Array([atRisk]) },
  };
  return { siteId, sampleCount, tensors };
}

function validated(updates: SiteUpdate[], layout: TensorLayout = LAYOUT): ValidatedUpdate[] {
  const { accepted, rejections } = validateUpdates(updates, { layout, maxL2Norm: Infinity });
  expect(rejections).toEqual([]);
  return accepted;
}

function codeOf(action: () => unknown): AggregationErrorCode | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof AggregationError) {
      return error.code;
    }
    throw error;
  }
  return undefined;
}

const SITES = [
  siteUpdate('site_a', 10, [1, 2], [3n, 2n ** 40n], 7),
  siteUpdate('site_b', 30, [3, -2], [1n, 5n], 100),
];

describe('sumUpdates', () => {
  it('weights floats by sample count and sums counts exactly', () => {
    const sum = sumUpdates(validated(SITES), { layout: LAYOUT, weighting: 'sample_count' });

    // Σ nᵢwᵢ = 10·(1, 2) + 30·(3, −2) = (100, −40); Σ nᵢ = 40.
    expect(sum.sums.w).toEqual({ dtype: 'F64', shape: [2], data: new Float64Array([100, -40]) });
    expect(sum.sums.events).toEqual({ dtype: 'I64', shape: [2], data: new BigInt64Array([4n, 2n ** 40n + 5n]) });
    expect(sum.sums.atRisk).toEqual({ dtype: 'I32', shape: [1], data: new Int32Array([107]) });
    expect(sum.totalWeight).toBe(40);
    expect(sum.totalSamples).toBe(40);
    expect(sum.siteIds).toEqual(['site_a', 'site_b']);
  });

  it('takes the weighted mean of float tensors only', () => {
    const means = meanOfFloatTensors(sumUpdates(validated(SITES), { layout: LAYOUT, weighting: 'sample_count' }));

    expect(Object.keys(means)).toEqual(['w']);
    expect(Array.from(means.w?.data as Float64Array)).toEqual([2.5, -1]);
  });

  it('weights every site equally when asked', () => {
    const sum = sumUpdates(validated(SITES), { layout: LAYOUT, weighting: 'uniform' });

    expect(Array.from(sum.sums.w?.data as Float64Array)).toEqual([4, 0]);
    expect(sum.totalWeight).toBe(2);
    expect(sum.totalSamples).toBe(40);
    expect(Array.from(meanOfFloatTensors(sum).w?.data as Float64Array)).toEqual([2, 0]);
  });

  it('accumulates float32 updates in float64', () => {
    // 2^24 + 1 is not a float32, but the float64 sum of 2^24 and 1 is exact.
    const layout: TensorLayout = { w: { dtype: 'F32', shape: [1] } };
    const updates = validated(
      [
        { siteId: 'a', sampleCount: 1, tensors: { w: { dtype: 'F32', shape: [1], data: new Float32Array([2 ** 24]) } } },
        { siteId: 'b', sampleCount: 1, tensors: { w: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } } },
      ],
      layout,
    );

    expect(sumUpdates(updates, { layout, weighting: 'uniform' }).sums.w?.data[0]).toBe(2 ** 24 + 1);
  });

  it('raises no_valid_update for an empty round', () => {
    expect(codeOf(() => sumUpdates([], { layout: LAYOUT, weighting: 'sample_count' }))).toBe('no_valid_update');
  });

  it('raises non_finite_result when a weighted sum overflows', () => {
    const layout: TensorLayout = { w: { dtype: 'F64', shape: [1] } };
    const updates = validated(
      [
        { siteId: 'a', sampleCount: 10, tensors: { w: { dtype: 'F64', shape: [1], data: new Float64Array([1e308]) } } },
        { siteId: 'b', sampleCount: 10, tensors: { w: { dtype: 'F64', shape: [1], data: new Float64Array([1e308]) } } },
      ],
      layout,
    );

    expect(() => sumUpdates(updates, { layout, weighting: 'sample_count' })).toThrow(
      'the sum of tensor "w" is Infinity at index 0; the previous model is kept',
    );
    expect(codeOf(() => sumUpdates(updates, { layout, weighting: 'sample_count' }))).toBe('non_finite_result');
  });

  it('raises integer_overflow when an I32 count sum leaves int32', () => {
    const updates = validated([siteUpdate('a', 1, [0, 0], [0n, 0n], 2 ** 31 - 1), siteUpdate('b', 1, [0, 0], [0n, 0n], 1)]);

    expect(() => sumUpdates(updates, { layout: LAYOUT, weighting: 'sample_count' })).toThrow(
      /the sum of tensor "atRisk" at index 0 is 2147483648, which does not fit I32/,
    );
  });

  it('raises integer_overflow when an I64 count sum leaves int64', () => {
    const updates = validated([
      siteUpdate('a', 1, [0, 0], [2n ** 62n, 0n], 0),
      siteUpdate('b', 1, [0, 0], [2n ** 62n, 0n], 0),
    ]);

    expect(codeOf(() => sumUpdates(updates, { layout: LAYOUT, weighting: 'sample_count' }))).toBe('integer_overflow');
  });

  it('raises sample_count_overflow when Σ nᵢ is not a safe integer', () => {
    const updates = validated([
      siteUpdate('a', Number.MAX_SAFE_INTEGER, [0, 0], [0n, 0n], 0),
      siteUpdate('b', 2, [0, 0], [0n, 0n], 0),
    ]);

    expect(codeOf(() => sumUpdates(updates, { layout: LAYOUT, weighting: 'sample_count' }))).toBe('sample_count_overflow');
  });

  it('raises layout_mismatch for updates validated against another layout', () => {
    const updates = validated(SITES);
    const otherLayout: TensorLayout = { ...LAYOUT, w: { dtype: 'F32', shape: [3] } };

    expect(() => sumUpdates(updates, { layout: otherLayout, weighting: 'sample_count' })).toThrow(
      /the update from site "site_a": tensor "w" has shape \[2\] but the model expects \[3\]/,
    );
  });

  it('raises zero_total_weight when asked for the mean of nothing', () => {
    expect(codeOf(() => meanOfFloatTensors({ sums: {}, totalWeight: 0, totalSamples: 0, siteIds: [] }))).toBe(
      'zero_total_weight',
    );
  });
});
