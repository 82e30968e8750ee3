import { describe, expect, it } from 'vitest';

import { createServerOptimizerState, serverOptimizerConfig } from '../aggregate/server-optimizer.js';
import { prepareBinarySiteData, type BinaryRows } from '../logistic/binary-site-data.js';
import { logisticCoefficientsFromWeights, logisticNetworkConfig } from '../logistic/logistic-fedavg.js';
import { logisticNewtonOptionsFromSpec } from '../logistic/logistic-newton.js';
import { modelSpecSchema } from '../spec/model-spec.js';
import { loadWdbc, selectRows } from '../logistic/testing/wdbc.js';
import { runGraph, type TensorValue } from '../onnx/index.js';
import type { NamedTensor, TensorMap } from '../weights/tensor-map.js';
import {
  ADAM,
  aggregateNetworkRound,
  compilePredictGraph,
  compileTrainStepGraph,
  createSeededRandom,
  federatedTrainingPlanFromSpec,
  initializeNetworkWeights,
  networkTensorLayout,
  parameterShapes,
  predictProbabilities,
  trainLocalEpochs,
  type NetworkConfig,
} from './index.js';
import { runFedAvgRounds } from './testing/federated-rounds.js';

/**
 * Independent float64 reference of one training step, written with plain loops from the
 * definitions: forward pass, mean cross-entropy, backpropagation, FedProx gradient, SGD or Adam.
 * `y` contains 0/1 for a sigmoid output and the class index for a softmax output.
 */
function referenceStep(
  config: NetworkConfig,
  x: number[][],
  y: number[],
  weights: Record<string, number[]>,
  global: Record<string, number[]>,
  adam: { m: Record<string, number[]>; v: Record<string, number[]>; step: number },
) {
  const classes = config.output?.activation === 'softmax' ? config.output.classes : 0;
  const widths = [config.layout.length, ...config.hiddenLayers, classes || 1];
  const layers = widths.length - 1;
  const b = x.length;
  const activations: number[][][] = [x];
  const preActivations: number[][][] = [];
  for (let layer = 0; layer < layers; layer += 1) {
    const w = weights[`layer${layer}.weight`] as number[];
    const bias = weights[`layer${layer}.bias`] as number[];
    const inputs = widths[layer] as number;
    const outputs = widths[layer + 1] as number;
    const z = (activations[layer] as number[][]).map((row) =>
      Array.from({ length: outputs }, (_, o) => row.reduce((sum, value, i) => sum + value * (w[i * outputs + o] as number), bias[o] as number)),
    );
    preActivations.push(z);
    activations.push(layer + 1 < layers ? z.map((row) => row.map((value) => Math.max(value, 0))) : z);
    void inputs;
  }
  let loss: number;
  let delta: number[][];
  if (classes > 0) {
    // Softmax probabilities from the definition e^s_k / Σ_j e^s_j, then −log p of the true class.
    const probabilities = (activations[layers] as number[][]).map((row) => {
      const exponentials = row.map(Math.exp);
      const total = exponentials.reduce((sum, value) => sum + value, 0);
      return exponentials.map((value) => value / total);
    });
    loss = probabilities.reduce((sum, row, i) => sum - Math.log(row[y[i] as number] as number), 0) / b;
    delta = probabilities.map((row, i) => row.map((p, k) => (p - (k === y[i] ? 1 : 0)) / b));
  } else {
    const logits = (activations[layers] as number[][]).map((row) => row[0] as number);
    loss = logits.reduce((sum, s, i) => sum + Math.log1p(Math.exp(s)) - (y[i] as number) * s, 0) / b;
    delta = logits.map((s, i) => [(1 / (1 + Math.exp(-s)) - (y[i] as number)) / b]);
  }

  const gradients: Record<string, number[]> = {};
  for (let layer = layers - 1; layer >= 0; layer -= 1) {
    const inputs = widths[layer] as number;
    const outputs = widths[layer + 1] as number;
    const h = activations[layer] as number[][];
    const gw = new Array<number>(inputs * outputs).fill(0);
    const gb = new Array<number>(outputs).fill(0);
    for (let r = 0; r < b; r += 1) {
      for (let o = 0; o < outputs; o += 1) {
        gb[o] = (gb[o] as number) + ((delta[r] as number[])[o] as number);
        for (let i = 0; i < inputs; i += 1) {
          gw[i * outputs + o] = (gw[i * outputs + o] as number) + ((h[r] as number[])[i] as number) * ((delta[r] as number[])[o] as number);
        }
      }
    }
    gradients[`layer${layer}.weight`] = gw;
    gradients[`layer${layer}.bias`] = gb;
    if (layer > 0) {
      const w = weights[`layer${layer}.weight`] as number[];
      const z = preActivations[layer - 1] as number[][];
      delta = delta.map((row, r) =>
        Array.from({ length: inputs }, (_, i) =>
          ((z[r] as number[])[i] as number) > 0 ? row.reduce((sum, value, o) => sum + value * (w[i * outputs + o] as number), 0) : 0,
        ),
      );
    }
  }

  const updated: Record<string, number[]> = {};
  const m: Record<string, number[]> = {};
  const v: Record<string, number[]> = {};
  const learningRate = config.dtype === 'float32' ? Math.fround(config.learningRate) : config.learningRate;
  const rate = (learningRate * Math.sqrt(1 - ADAM.beta2 ** adam.step)) / (1 - ADAM.beta1 ** adam.step);
  for (const [name, values] of Object.entries(weights)) {
    const gradient = (gradients[name] as number[]).map(
      (g, k) => g + config.proximalMu * ((values[k] as number) - ((global[name] as number[])[k] as number)),
    );
    if (config.optimizer === 'sgd') {
      updated[name] = values.map((value, k) => value - learningRate * (gradient[k] as number));
    } else {
      m[name] = gradient.map((g, k) => ADAM.beta1 * ((adam.m[name] as number[])[k] as number) + (1 - ADAM.beta1) * g);
      v[name] = gradient.map((g, k) => ADAM.beta2 * ((adam.v[name] as number[])[k] as number) + (1 - ADAM.beta2) * g * g);
      updated[name] = values.map(
        (value, k) => value - (rate * ((m[name] as number[])[k] as number)) / (Math.sqrt((v[name] as number[])[k] as number) + ADAM.epsilon),
      );
    }
  }
  return { loss, updated, m, v };
}

function randomMatrix(random: ReturnType<typeof createSeededRandom>, size: number, scale: number): number[] {
  return Array.from({ length: size }, () => (2 * random.uniform() - 1) * scale);
}

function expectClose(actual: ArrayLike<number>, expected: number[], tolerance: number, what: string): void {
  const scale = Math.max(...expected.map(Math.abs), 1e-30);
  expect(actual.length, what).toBe(expected.length);
  expected.forEach((value, index) => {
    const error = Math.abs((actual[index] as number) - value) / Math.max(Math.abs(value), scale);
    expect(error, `${what}[${index}]: graph ${actual[index]} vs reference ${value}`).toBeLessThan(tolerance);
  });
}

describe('train-step graph', () => {
  const layout = ['f1', 'f2', 'f3', 'f4'];
  // Classes 0 is a sigmoid output; 3 or 5 a softmax over that many classes.
  const cases = [
    ['float32', 'sgd', 0.1, 0, 1e-5],
    ['float32', 'adam', 0, 0, 1e-5],
    ['float64', 'sgd', 0, 0, 1e-12],
    ['float64', 'adam', 0.5, 0, 1e-12],
    ['float32', 'sgd', 0, 3, 1e-5],
    ['float32', 'adam', 0.1, 5, 1e-5],
    ['float64', 'sgd', 0.5, 3, 1e-12],
    ['float64', 'adam', 0, 5, 1e-12],
  ] as const;

  it.each(cases)('agrees with the reference for %s %s, mu %s, classes %s', async (dtype, optimizer, proximalMu, classes, tolerance) => {
    const output = classes > 0 ? { output: { activation: 'softmax' as const, classes } } : {};
    const config: NetworkConfig = { layout, hiddenLayers: [5, 3], dtype, optimizer, learningRate: 0.05, proximalMu, ...output };
    const random = createSeededRandom(99);
    const b = 9;
    const x = Array.from({ length: b }, () => randomMatrix(random, layout.length, 2));
    const y = Array.from({ length: b }, () => Math.floor(random.uniform() * Math.max(classes, 2)));
    // Two rows share their features and class, so the batch contains ties.
    x[4] = [...(x[1] as number[])];
    y[4] = y[1] as number;
    const oneHot = y.flatMap((value) => Array.from({ length: classes }, (_, k) => (k === value ? 1 : 0)));
    const round = (values: number[]) => (dtype === 'float32' ? Array.from(Float32Array.from(values)) : values);
    const weights: Record<string, number[]> = {};
    const global: Record<string, number[]> = {};
    const m: Record<string, number[]> = {};
    const v: Record<string, number[]> = {};
    for (const { name, shape } of parameterShapes(config)) {
      const size = shape.reduce((product, dim) => product * dim, 1);
      weights[name] = round(randomMatrix(random, size, 0.8));
      global[name] = round(randomMatrix(random, size, 0.8));
      m[name] = round(randomMatrix(random, size, 0.1));
      v[name] = round(randomMatrix(random, size, 0.1).map(Math.abs));
    }
    const Float = dtype === 'float32' ? Float32Array : Float64Array;
    const feeds: Record<string, TensorValue> = {
      x: { dtype, dims: [b, layout.length], data: Float.from(x.flat().map((value) => (dtype === 'float32' ? Math.fround(value) : value))) },
      y: classes > 0 ? { dtype, dims: [b, classes], data: Float.from(oneHot) } : { dtype, dims: [b], data: Float.from(y) },
      learning_rate: { dtype, dims: [], data: Float.of(config.learningRate) },
    };
    for (const { name, shape } of parameterShapes(config)) {
      feeds[name] = { dtype, dims: shape, data: Float.from(weights[name] as number[]) };
      if (proximalMu > 0) feeds[`global/${name}`] = { dtype, dims: shape, data: Float.from(global[name] as number[]) };
      if (optimizer === 'adam') {
        feeds[`adam_m/${name}`] = { dtype, dims: shape, data: Float.from(m[name] as number[]) };
        feeds[`adam_v/${name}`] = { dtype, dims: shape, data: Float.from(v[name] as number[]) };
      }
    }
    if (optimizer === 'adam') feeds.adam_step = { dtype, dims: [], data: Float.of(3) };

    const result = await runGraph(compileTrainStepGraph(config), feeds);
    const xRounded = x.map((row) => round(row));
    const expected = referenceStep(config, xRounded, y, weights, global, { m, v, step: 3 });

    expectClose(result.loss?.data as ArrayLike<number>, [expected.loss], tolerance, 'loss');
    for (const { name } of parameterShapes(config)) {
      const before = weights[name] as number[];
      // Compare the step taken (updated − before), which is far smaller than the weights.
      const step = Array.from(result[`updated/${name}`]?.data as ArrayLike<number>, (value, k) => value - (before[k] as number));
      expectClose(step, (expected.updated[name] as number[]).map((value, k) => value - (before[k] as number)), dtype === 'float32' ? 1e-3 : tolerance, `step ${name}`);
      expectClose(result[`updated/${name}`]?.data as ArrayLike<number>, expected.updated[name] as number[], tolerance, name);
      if (optimizer === 'adam') {
        expectClose(result[`updated_adam_m/${name}`]?.data as ArrayLike<number>, expected.m[name] as number[], tolerance, `m ${name}`);
        expectClose(result[`updated_adam_v/${name}`]?.data as ArrayLike<number>, expected.v[name] as number[], tolerance, `v ${name}`);
      }
    }
  });

  it('compiles byte-identical graphs from the same config', () => {
    const config: NetworkConfig = { layout, hiddenLayers: [8], dtype: 'float32', optimizer: 'adam', learningRate: 0.01, proximalMu: 0.1 };
    const first = Buffer.from(compileTrainStepGraph(config));

    expect(first.equals(Buffer.from(compileTrainStepGraph({ ...config, layout: [...layout] })))).toBe(true);
    expect(first.equals(Buffer.from(compileTrainStepGraph({ ...config, learningRate: 0.02 })))).toBe(false);
    expect(Buffer.from(compilePredictGraph(config)).equals(Buffer.from(compilePredictGraph(config)))).toBe(true);
  });

  it.each([
    ['a zero-width layer', { hiddenLayers: [0] }, /hidden layer width 0/],
    ['a negative learning rate', { learningRate: -1 }, /learning rate -1/],
    ['an unknown optimizer', { optimizer: 'rmsprop' }, /optimizer "rmsprop"/],
    ['a negative mu', { proximalMu: -0.1 }, /proximal mu -0.1/],
  ])('rejects a config with %s', (_case, change, message) => {
    const config = { layout, hiddenLayers: [4], dtype: 'float32', optimizer: 'sgd', learningRate: 0.1, proximalMu: 0, ...change } as NetworkConfig;
    expect(() => compileTrainStepGraph(config)).toThrow(message);
  });
});

describe('initializeNetworkWeights', () => {
  const config: NetworkConfig = { layout: ['a', 'b', 'c'], hiddenLayers: [4], dtype: 'float32', optimizer: 'sgd', learningRate: 0.1, proximalMu: 0 };

  it('draws the same weights from the same seed', () => {
    const first = initializeNetworkWeights(config, 7);
    const second = initializeNetworkWeights(config, 7);
    const other = initializeNetworkWeights(config, 8);

    const values = (weights: TensorMap, name: string) => Array.from((weights[name] as NamedTensor).data as Float32Array);
    expect(values(first, 'layer0.weight')).toEqual(values(second, 'layer0.weight'));
    expect(values(first, 'layer0.weight')).not.toEqual(values(other, 'layer0.weight'));
    expect(values(first, 'layer0.bias')).toEqual([0, 0, 0, 0]);
    for (const value of values(first, 'layer0.weight')) {
      expect(Math.abs(value)).toBeLessThanOrEqual(Math.sqrt(6 / 3));
    }
  });
});

/** WDBC with all 30 features standardised, and a seeded 75/25 train/test split. */
function wdbcSplit() {
  const features = [
    'radius', 'texture', 'perimeter', 'area', 'smoothness', 'compactness', 'concavity', 'concave_points', 'symmetry', 'fractal_dimension',
  ].flatMap((name) => [`${name}_mean`, `${name}_se`, `${name}_worst`]);
  const rows = loadWdbc(features);
  const order = createSeededRandom(2024).shuffle(Array.from({ length: rows.n }, (_, index) => index));
  const testRows = new Set(order.slice(0, Math.round(rows.n / 4)));
  return { features, rows, isTest: (index: number) => testRows.has(index) };
}

async function accuracy(config: NetworkConfig, weights: TensorMap, rows: BinaryRows): Promise<number> {
  const probabilities = await predictProbabilities({ graph: compilePredictGraph(config), config, data: rows, weights });
  let correct = 0;
  probabilities.forEach((probability, index) => (correct += (probability >= 0.5 ? 1 : 0) === rows.y[index] ? 1 : 0));
  return correct / rows.n;
}

describe('federated MLP on WDBC', () => {
  it('reaches the central test accuracy within 0.02 with FedAvg', async () => {
    const { features, rows, isTest } = wdbcSplit();
    const config: NetworkConfig = { layout: features, hiddenLayers: [16], dtype: 'float32', optimizer: 'sgd', learningRate: 0.05, proximalMu: 0 };
    const graph = compileTrainStepGraph(config);
    const test = selectRows(rows, isTest);
    const initial = initializeNetworkWeights(config, 1);
    const epochs = 20;

    const central = await trainLocalEpochs({
      graph,
      config,
      data: prepareBinarySiteData(selectRows(rows, (index) => !isTest(index)), features),
      weights: initial,
      epochs,
      batchSize: 16,
      seed: 5,
    });
    const centralAccuracy = await accuracy(config, central.weights, test);

    // Row i of the table goes to site i mod 3; each site keeps its training rows only.
    const sites = [0, 1, 2].map((site) =>
      prepareBinarySiteData(selectRows(rows, (index) => index % 3 === site && !isTest(index)), features),
    );
    const global = await runFedAvgRounds({ graph, config, sites, initial, rounds: epochs, localEpochs: 1, batchSize: 16, seed: 5 });
    const federatedAccuracy = await accuracy(config, global, test);

    expect(centralAccuracy).toBeGreaterThan(0.9);
    expect(federatedAccuracy).toBeGreaterThanOrEqual(centralAccuracy - 0.02);
  });

  it('leaves out an update with NaN weights', async () => {
    const config: NetworkConfig = { layout: ['a'], hiddenLayers: [2], dtype: 'float32', optimizer: 'sgd', learningRate: 0.1, proximalMu: 0 };
    const optimizer = serverOptimizerConfig({ name: 'fedavgm' });
    const global = initializeNetworkWeights(config, 3);
    const poisoned: TensorMap = structuredClone(global);
    (poisoned['layer0.bias'] as NamedTensor).data[0] = Number.NaN;
    const updates = [
      { siteId: 'good', sampleCount: 10, tensors: global },
      { siteId: 'bad', sampleCount: 10, tensors: poisoned },
    ];

    const result = aggregateNetworkRound({
      config,
      optimizer,
      global,
      state: createServerOptimizerState(optimizer, networkTensorLayout(config)),
      updates,
      maxUpdateNorm: Infinity,
    });

    expect(result.rejections.map((rejection) => rejection.siteId)).toEqual(['bad']);
    expect(result.totalSamples).toBe(10);
  });
});

describe('logistic regression by FedAvg', () => {
  it('approaches the Newton fit on WDBC mean5 with local Adam', async () => {
    const features = ['radius_mean', 'texture_mean', 'smoothness_mean', 'concave_points_mean', 'symmetry_mean'];
    const rows = loadWdbc(features);
    const config = logisticNetworkConfig(features, { local: 'adam', learningRate: 0.05, proximalMu: 0 });
    const graph = compileTrainStepGraph(config);
    const sites = [0, 1, 2].map((site) => prepareBinarySiteData(selectRows(rows, (index) => index % 3 === site), features));
    const global = await runFedAvgRounds({ graph, config, sites, initial: initializeNetworkWeights(config, 0), rounds: 60, localEpochs: 2, batchSize: 64, seed: 9 });

    // Maximum-likelihood coefficients with the table's own standardisation (R glm, mean5).
    const coefficients = logisticCoefficientsFromWeights(features, global);
    const newton = { '(Intercept)': -0.763, radius_mean: 3.251, texture_mean: 1.592, smoothness_mean: 0.628, concave_points_mean: 2.8, symmetry_mean: 0.488 };
    for (const [name, value] of Object.entries(newton)) {
      expect(Math.abs((coefficients[name] as number) - value), name).toBeLessThan(0.35);
    }
    expect(await accuracy(config, global, rows)).toBeGreaterThan(0.9);
  });
});

describe('federatedTrainingPlanFromSpec', () => {
  const outcome = { kind: 'binary', column: 'diagnosis', positive: 'M' } as const;
  const features = [{ column: 'radius_mean', encoding: 'numeric' }] as const;

  it('reads an MLP spec as a float32 network', () => {
    const spec = modelSpecSchema.parse({
      family: 'mlp_classifier',
      outcome,
      features,
      hyperparameters: { hiddenLayers: [8, 4], optimizer: { local: 'adam', learningRate: 0.002, proximalMu: 0.01, server: 'fedyogi' } },
    });

    const plan = federatedTrainingPlanFromSpec(spec, ['radius_mean']);

    expect(plan.config).toEqual({
      layout: ['radius_mean'],
      hiddenLayers: [8, 4],
      dtype: 'float32',
      optimizer: 'adam',
      learningRate: 0.002,
      proximalMu: 0.01,
    });
    expect(plan.server.name).toBe('fedyogi');
    expect(plan.seed).toBe(42);
  });

  it('reads a multi-class MLP spec as a softmax over its levels', () => {
    const spec = modelSpecSchema.parse({
      family: 'mlp_classifier',
      outcome: { kind: 'multiclass', column: 'tgrade', levels: ['I', 'II', 'III'] },
      features,
      hyperparameters: { hiddenLayers: [8] },
    });

    const plan = federatedTrainingPlanFromSpec(spec, ['radius_mean']);

    expect(plan.config.output).toEqual({ activation: 'softmax', classes: 3 });
    expect(networkTensorLayout(plan.config)['layer1.weight']).toEqual({ dtype: 'F32', shape: [8, 3] });
  });

  it('reads a FedAvg logistic spec without an optimizer block', () => {
    const spec = modelSpecSchema.parse({ family: 'logistic_regression', outcome, features, hyperparameters: { method: 'fedavg' } });

    const plan = federatedTrainingPlanFromSpec(spec, ['radius_mean']);

    expect(plan.config.hiddenLayers).toEqual([]);
    expect(plan.config.dtype).toBe('float64');
    expect(plan.config.optimizer).toBe('sgd');
    expect(plan.batchSize).toBe(32);
  });

  it('rejects a Newton logistic spec', () => {
    const spec = modelSpecSchema.parse({ family: 'logistic_regression', outcome, features });
    expect(() => federatedTrainingPlanFromSpec(spec, ['radius_mean'])).toThrow(/method "newton"/);
    expect(logisticNewtonOptionsFromSpec(spec)).toEqual({ tolerance: 1e-8, maxIterations: 25 });
  });
});
