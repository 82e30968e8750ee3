import { describe, expect, it } from 'vitest';

import type { TensorMap } from '../weights/tensor-map.js';
import { aggregateRound } from './aggregate-round.js';
import { AggregationError } from './aggregation-error.js';
import { createServerOptimizerState, serverOptimizerConfig } from './server-optimizer.js';

function model(weight: number[], bias: number): TensorMap {
  return {
    weight: { dtype: 'F32', shape: [2], data: new Float32Array(weight) },
    bias: { dtype: 'F64', shape: [], data: new Float64Array([bias]) },
  };
}

const GLOBAL = model([0, 0], 0);
const FEDAVG = serverOptimizerConfig({ name: 'fedavg' });
const LAYOUT = {
  weight: { dtype: 'F32' as const, shape: [2] },
  bias: { dtype: 'F64' as const, shape: [] },
};

describe('aggregateRound', () => {
  it('averages valid updates by sample count and reports rejected ones', () => {
    const result = aggregateRound({
      global: GLOBAL,
      updates: [
        { siteId: 'site_a', sampleCount: 100, tensors: model([1, 2], 1) },
        { siteId: 'site_b', sampleCount: 300, tensors: model([3, -2], 0) },
        { siteId: 'site_c', sampleCount: 50, tensors: model([Number.NaN, 0], 0) },
        { siteId: 'site_d', sampleCount: 50, tensors: model([100, 0], 0) },
      ],
      optimizer: FEDAVG,
      state: createServerOptimizerState(FEDAVG, LAYOUT),
      maxL2Norm: 10,
    });

    // (100·(1, 2) + 300·(3, −2)) / 400 = (2.5, −1); bias (100·1 + 300·0) / 400 = 0.25.
    expect(result.weights.weight?.data).toEqual(new Float32Array([2.5, -1]));
    expect(result.weights.bias?.data).toEqual(new Float64Array([0.25]));
    expect(result.acceptedSiteIds).toEqual(['site_a', 'site_b']);
    expect(result.totalSamples).toBe(400);
    expect(result.rejections.map((rejection) => [rejection.siteId, rejection.code])).toEqual([
      ['site_c', 'non_finite_value'],
      ['site_d', 'norm_too_large'],
    ]);
    expect(result.state.step).toBe(1);
  });

  it('raises no_valid_update naming every rejection when nothing is valid', () => {
    const run = () =>
      aggregateRound({
        global: GLOBAL,
        updates: [
          { siteId: 'site_a', sampleCount: 0, tensors: model([1, 2], 1) },
          { siteId: 'site_b', sampleCount: 10, tensors: { weight: model([1, 2], 0).weight } as TensorMap },
        ],
        optimizer: FEDAVG,
        state: createServerOptimizerState(FEDAVG, LAYOUT),
        maxL2Norm: 10,
      });

    expect(run).toThrow(AggregationError);
    expect(run).toThrow(
      'none of the 2 updates is valid; the previous model is kept (site_a: sample count 0 is invalid; it must be a ' +
        'positive integer no larger than 9007199254740991; site_b: tensor "bias" is missing from the update)',
    );
  });

  it('raises no_valid_update for a round without updates', () => {
    let code: string | undefined;
    try {
      aggregateRound({
        global: GLOBAL,
        updates: [],
        optimizer: FEDAVG,
        state: createServerOptimizerState(FEDAVG, LAYOUT),
        maxL2Norm: 10,
      });
    } catch (error) {
      code = (error as AggregationError).code;
    }

    expect(code).toBe('no_valid_update');
  });
});
