import { describe, expect, it } from 'vitest';

import type { TensorLayout, TensorMap } from '../weights/tensor-map.js';
import { AggregationError } from './aggregation-error.js';
import { decodeServerOptimizerState, encodeServerOptimizerState } from './optimizer-state.js';
import {
  applyServerOptimizer,
  createServerOptimizerState,
  serverOptimizerConfig,
  serverOptimizerFromSpec,
  type ServerOptimizerConfig,
  type ServerOptimizerName,
  type ServerOptimizerState,
} from './server-optimizer.js';

const LAYOUT: TensorLayout = { w: { dtype: 'F64', shape: [2] } };

function weights(values: number[]): TensorMap {
  return { w: { dtype: 'F64', shape: [2], data: new Float64Array(values) } };
}

/** Returns the mean of the sites' weights that gives pseudo-gradient `delta` at global weights `global`. */
function meanFor(global: TensorMap, delta: number[]): TensorMap {
  const x = global.w?.data as Float64Array;
  return weights(delta.map((value, index) => (x[index] as number) + value));
}

/** Runs two rounds with Δ₁ = (1, −2) and Δ₂ = (−1, 0.5) from x₀ = (1, 2). */
function twoRounds(config: ServerOptimizerConfig) {
  let global = weights([1, 2]);
  let state = createServerOptimizerState(config, LAYOUT);
  const rounds: Array<{ weights: number[]; m: number[]; v: number[]; state: ServerOptimizerState }> = [];

  for (const delta of [
    [1, -2],
    [-1, 0.5],
  ]) {
    const result = applyServerOptimizer(config, global, meanFor(global, delta), state, LAYOUT);
    global = result.weights;
    state = result.state;
    rounds.push({
      weights: Array.from(global.w?.data as Float64Array),
      m: Array.from((state.moments['m/w']?.data as Float64Array | undefined) ?? []),
      v: Array.from((state.moments['v/w']?.data as Float64Array | undefined) ?? []),
      state,
    });
  }
  return rounds;
}

function expectClose(actual: number[], expected: number[], label: string): void {
  expect(actual, label).toHaveLength(expected.length);
  expected.forEach((value, index) => expect(actual[index] as number, `${label}[${index}]`).toBeCloseTo(value, 12));
}

describe('applyServerOptimizer', () => {
  it('fedavg with learning rate 1 returns the mean exactly', () => {
    const config = serverOptimizerConfig({ name: 'fedavg' });
    const global = weights([0.1, 0.7]);
    const mean = weights([0.3, -0.2]);

    const result = applyServerOptimizer(config, global, mean, createServerOptimizerState(config, LAYOUT), LAYOUT);

    expect(Array.from(result.weights.w?.data as Float64Array)).toEqual([0.3, -0.2]);
    expect(result.state.moments).toEqual({});
    expect(result.state.step).toBe(1);
    // Δ = (0.2, −0.9), so ‖Δ‖ = √0.85.
    expect(result.pseudoGradientNorm).toBeCloseTo(Math.sqrt(0.85), 14);
  });

  it('fedavg with learning rate 0.5 moves halfway to the mean', () => {
    const [first] = twoRounds(serverOptimizerConfig({ name: 'fedavg', learningRate: 0.5 }));

    // x₁ = x₀ + 0.5 Δ₁ = (1, 2) + (0.5, −1).
    expect(first?.weights).toEqual([1.5, 1]);
  });

  it('fedavgm accumulates server momentum', () => {
    const rounds = twoRounds(serverOptimizerConfig({ name: 'fedavgm', learningRate: 1, momentum: 0.9 }));

    // Round 1: m = Δ₁ = (1, −2); x₁ = (1, 2) + m = (2, 0).
    expectClose(rounds[0]?.m ?? [], [1, -2], 'm after round 1');
    expectClose(rounds[0]?.weights ?? [], [2, 0], 'x after round 1');
    // Round 2: m = 0.9·(1, −2) + (−1, 0.5) = (−0.1, −1.3); x₂ = (2, 0) + m = (1.9, −1.3).
    expectClose(rounds[1]?.m ?? [], [-0.1, -1.3], 'm after round 2');
    expectClose(rounds[1]?.weights ?? [], [1.9, -1.3], 'x after round 2');
  });

  // Adaptive rules with η = 0.1, β1 = 0.9, β2 = 0.99, τ = 1e-3, so v starts at τ² = 1e-6.
  // Round 1 always has m = 0.1·Δ₁ = (0.1, −0.2).
  it.each([
    {
      name: 'fedadagrad' as const,
      // v = 1e-6 + Δ₁² = (1.000001, 4.000001); x₁ = x₀ + 0.1·m / (√v + 1e-3).
      round1: { v: [1.000001, 4.000001], weights: [1.009990004999999, 1.99000499875] },
      // m = 0.9·m + 0.1·Δ₂ = (−0.01, −0.13); v = v + Δ₂² = (2.000001, 4.250001).
      round2: { m: [-0.01, -0.13], v: [2.000001, 4.250001], weights: [1.0092833980420355, 1.9837021305807112] },
    },
    {
      name: 'fedadam' as const,
      // v = 0.99·1e-6 + 0.01·Δ₁² = (0.01000099, 0.04000099).
      round1: { v: [0.01000099, 0.04000099], weights: [1.0990050488825425, 1.9004987376323415] },
      // v = 0.99·v + 0.01·Δ₂² = (0.0199009801, 0.0421009801).
      round2: { m: [-0.01, -0.13], v: [0.0199009801, 0.0421009801], weights: [1.091966306485698, 1.8374486356871291] },
    },
    {
      name: 'fedyogi' as const,
      // v < Δ₁², so sign(v − Δ²) = −1 and v = 1e-6 + 0.01·Δ₁² = (0.010001, 0.040001).
      round1: { v: [0.010001, 0.040001], weights: [1.0990049998750062, 1.9004987500078125] },
      // v < Δ₂² again: v = v + 0.01·Δ₂² = (0.020001, 0.042501).
      round2: { m: [-0.01, -0.13], v: [0.020001, 0.042501], weights: [1.091983755288655, 1.8377446279819944] },
    },
  ])('$name matches the hand-worked example', ({ name, round1, round2 }) => {
    const rounds = twoRounds(serverOptimizerConfig({ name, learningRate: 0.1 }));

    expectClose(rounds[0]?.m ?? [], [0.1, -0.2], 'm after round 1');
    expectClose(rounds[0]?.v ?? [], round1.v, 'v after round 1');
    expectClose(rounds[0]?.weights ?? [], round1.weights, 'x after round 1');
    expectClose(rounds[1]?.m ?? [], round2.m, 'm after round 2');
    expectClose(rounds[1]?.v ?? [], round2.v, 'v after round 2');
    expectClose(rounds[1]?.weights ?? [], round2.weights, 'x after round 2');
    expect(rounds[1]?.state.step).toBe(2);
  });

  it('fedyogi shrinks v when it exceeds Δ²', () => {
    const config = serverOptimizerConfig({ name: 'fedyogi', learningRate: 0.1 });
    const state = createServerOptimizerState(config, LAYOUT);
    const moments = { 'm/w': state.moments['m/w'], 'v/w': { dtype: 'F64', shape: [2], data: new Float64Array([1, 1]) } };
    const global = weights([0, 0]);

    const result = applyServerOptimizer(config, global, meanFor(global, [0.5, 0]), { ...state, moments } as ServerOptimizerState, LAYOUT);

    // sign(1 − 0.25) = 1: v = 1 − 0.01·0.25 = 0.9975; with Δ = 0, sign(1 − 0) = 1 and v = 1.
    expectClose(Array.from(result.state.moments['v/w']?.data as Float64Array), [0.9975, 1], 'v');
  });

  it('writes float32 weights for a float32 layout', () => {
    const layout: TensorLayout = { w: { dtype: 'F32', shape: [2] } };
    const config = serverOptimizerConfig({ name: 'fedavg' });
    const global: TensorMap = { w: { dtype: 'F32', shape: [2], data: new Float32Array([0, 0]) } };

    const result = applyServerOptimizer(config, global, weights([0.1, 2]), createServerOptimizerState(config, layout), layout);

    expect(result.weights.w?.dtype).toBe('F32');
    expect(result.weights.w?.data).toEqual(new Float32Array([0.1, 2]));
  });

  it('leaves its inputs unchanged', () => {
    const config = serverOptimizerConfig({ name: 'fedadam', learningRate: 0.1 });
    const global = weights([1, 2]);
    const state = createServerOptimizerState(config, LAYOUT);
    const before = { global: structuredClone(global), state: structuredClone(state) };

    applyServerOptimizer(config, global, meanFor(global, [1, -2]), state, LAYOUT);

    expect(global).toEqual(before.global);
    expect(state).toEqual(before.state);
  });

  it('raises non_finite_result and keeps the previous model when the step overflows', () => {
    const config = serverOptimizerConfig({ name: 'fedavgm', learningRate: 10, momentum: 0.5 });
    const global = weights([1e308, 0]);

    expect(() =>
      applyServerOptimizer(config, global, weights([1.5e308, 0]), createServerOptimizerState(config, LAYOUT), LAYOUT),
    ).toThrow(/the new weight of tensor "w" is Infinity at index 0; the previous model is kept/);
  });

  it('raises state_mismatch for state of another optimiser', () => {
    const adam = serverOptimizerConfig({ name: 'fedadam' });
    const yogi = serverOptimizerConfig({ name: 'fedyogi' });

    expect(() =>
      applyServerOptimizer(yogi, weights([0, 0]), weights([0, 0]), createServerOptimizerState(adam, LAYOUT), LAYOUT),
    ).toThrow(/the optimiser state is for fedadam but the job uses fedyogi/);
  });

  it('raises layout_mismatch for a mean of another shape', () => {
    const config = serverOptimizerConfig({ name: 'fedavg' });
    const mean: TensorMap = { w: { dtype: 'F64', shape: [3], data: new Float64Array(3) } };

    expect(() => applyServerOptimizer(config, weights([0, 0]), mean, createServerOptimizerState(config, LAYOUT), LAYOUT)).toThrow(
      /the mean of the updates: tensor "w" has shape \[3\] but the model expects \[2\]/,
    );
  });

  it('raises invalid_options for integer tensors in the layout', () => {
    const config = serverOptimizerConfig({ name: 'fedavg' });

    expect(() => createServerOptimizerState(config, { count: { dtype: 'I64', shape: [1] } })).toThrow(
      /tensor "count" is I64; server optimisers update F64 and F32 weights only/,
    );
  });
});

describe('serverOptimizerConfig', () => {
  it('fills the defaults', () => {
    expect(serverOptimizerConfig({ name: 'fedadam' })).toEqual({
      name: 'fedadam',
      learningRate: 1,
      momentum: 0.9,
      beta1: 0.9,
      beta2: 0.99,
      tau: 1e-3,
    });
  });

  it('maps the spec optimizer block', () => {
    const config = serverOptimizerFromSpec({ server: 'fedyogi', serverLearningRate: 0.05, serverMomentum: 0.8 });

    expect(config).toMatchObject({ name: 'fedyogi', learningRate: 0.05, momentum: 0.8, beta1: 0.8 });
  });

  it.each([
    { case: 'unknown optimiser', input: { name: 'sgd' as ServerOptimizerName }, message: /server optimiser "sgd" is unknown/ },
    { case: 'zero learning rate', input: { name: 'fedavg' as const, learningRate: 0 }, message: /learning rate is 0/ },
    { case: 'momentum of 1', input: { name: 'fedavgm' as const, momentum: 1 }, message: /momentum is 1; use a number in \[0, 1\)/ },
    { case: 'negative beta1', input: { name: 'fedadam' as const, beta1: -0.1 }, message: /beta1 is -0.1/ },
    { case: 'NaN beta2', input: { name: 'fedadam' as const, beta2: Number.NaN }, message: /beta2 is NaN/ },
    { case: 'zero tau', input: { name: 'fedyogi' as const, tau: 0 }, message: /tau is 0/ },
  ])('rejects $case', ({ input, message }) => {
    expect(() => serverOptimizerConfig(input)).toThrow(AggregationError);
    expect(() => serverOptimizerConfig(input)).toThrow(message);
  });
});

describe('optimizer state persistence', () => {
  it.each(['fedavg', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad'] as const)(
    '%s resumes bit for bit after a restart',
    (name) => {
      const config = serverOptimizerConfig({ name, learningRate: 0.1 });
      const uninterrupted = twoRounds(config);

      // Round 1, persist, restore in a "new process", then round 2.
      let global = weights([1, 2]);
      const round1 = applyServerOptimizer(config, global, meanFor(global, [1, -2]), createServerOptimizerState(config, LAYOUT), LAYOUT);
      global = round1.weights;
      const restored = decodeServerOptimizerState(encodeServerOptimizerState(round1.state, config), config, LAYOUT);
      const round2 = applyServerOptimizer(config, global, meanFor(global, [-1, 0.5]), restored, LAYOUT);

      expect(restored).toEqual(round1.state);
      expect(Array.from(round2.weights.w?.data as Float64Array)).toEqual(uninterrupted[1]?.weights);
      expect(round2.state).toEqual(uninterrupted[1]?.state);
    },
  );

  it.each([
    {
      case: 'another optimiser',
      restoreWith: serverOptimizerConfig({ name: 'fedyogi', learningRate: 0.1 }),
      layout: LAYOUT,
      message: /the optimiser state is for "fedadam" but the job uses fedyogi/,
    },
    {
      case: 'another learning rate',
      restoreWith: serverOptimizerConfig({ name: 'fedadam', learningRate: 0.2 }),
      layout: LAYOUT,
      message: /built with learningRate = 0.1 but the job uses 0.2/,
    },
    {
      case: 'another tau',
      restoreWith: serverOptimizerConfig({ name: 'fedadam', learningRate: 0.1, tau: 1e-4 }),
      layout: LAYOUT,
      message: /built with tau = 0.001 but the job uses 0.0001/,
    },
    {
      case: 'another layout',
      restoreWith: serverOptimizerConfig({ name: 'fedadam', learningRate: 0.1 }),
      layout: { w: { dtype: 'F64', shape: [3] } } satisfies TensorLayout,
      message: /the optimiser state: tensor "m\/w" has shape \[2\] but the model expects \[3\]/,
    },
  ])('rejects state restored with $case', ({ restoreWith, layout, message }) => {
    const config = serverOptimizerConfig({ name: 'fedadam', learningRate: 0.1 });
    const bytes = encodeServerOptimizerState(createServerOptimizerState(config, LAYOUT), config);

    expect(() => decodeServerOptimizerState(bytes, restoreWith, layout)).toThrow(message);
  });

  it('rejects a weights file that is not optimiser state', async () => {
    const { encodeTensors } = await import('../weights/safetensors.js');
    const config = serverOptimizerConfig({ name: 'fedavg' });

    expect(() => decodeServerOptimizerState(encodeTensors(weights([1, 2])), config, LAYOUT)).toThrow(
      /not an optimiser state of version 1/,
    );
  });

  it('rejects truncated bytes as state_mismatch', () => {
    const config = serverOptimizerConfig({ name: 'fedadam' });
    const bytes = encodeServerOptimizerState(createServerOptimizerState(config, LAYOUT), config);

    let code: string | undefined;
    try {
      decodeServerOptimizerState(bytes.subarray(0, bytes.length - 3), config, LAYOUT);
    } catch (error) {
      code = (error as AggregationError).code;
    }
    expect(code).toBe('state_mismatch');
  });
});
