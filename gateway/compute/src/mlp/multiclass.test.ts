import { describe, expect, it } from 'vitest';

import { prepareBinarySiteData, type BinaryRows } from '../logistic/binary-site-data.js';
import { selectRows } from '../logistic/testing/wdbc.js';
import { runGraph } from '../onnx/index.js';
import { buildDesignMatrix, modelSpecSchema, type ModelSpecInput } from '../spec/index.js';
import { readCsvTable } from '../stats/testing/csv-table.js';
import type { NamedTensor, TensorMap } from '../weights/tensor-map.js';
import {
  compilePredictGraph,
  compileTrainStepGraph,
  createSeededRandom,
  federatedTrainingPlanFromSpec,
  initializeNetworkWeights,
  parameterShapes,
  predictProbabilities,
  trainLocalEpochs,
  type NetworkConfig,
} from './index.js';
import { runFedAvgRounds } from './testing/federated-rounds.js';

const SOFTMAX_3: NetworkConfig = {
  layout: ['a', 'b'],
  hiddenLayers: [4],
  dtype: 'float64',
  optimizer: 'sgd',
  learningRate: 0.1,
  proximalMu: 0,
  output: { activation: 'softmax', classes: 3 },
};

describe('softmax network', () => {
  it('has one output unit per class', () => {
    expect(parameterShapes(SOFTMAX_3)).toEqual([
      { name: 'layer0.weight', shape: [2, 4] },
      { name: 'layer0.bias', shape: [4] },
      { name: 'layer1.weight', shape: [4, 3] },
      { name: 'layer1.bias', shape: [3] },
    ]);
  });

  it.each([
    ['float64', 1e-12],
    ['float32', 1e-5],
  ] as const)('predicts the softmax of the logits in %s', async (dtype, tolerance) => {
    const config: NetworkConfig = { ...SOFTMAX_3, dtype };
    const weights = initializeNetworkWeights(config, 11);
    // Rows 1 and 4 are equal, so two rows tie; the values are exact in float32 too.
    const x = [0.5, -1.25, 2, 0.75, -3, -0.5, 0.5, -1.25];

    const probabilities = await predictProbabilities({ graph: compilePredictGraph(config), config, data: { layout: ['a', 'b'], n: 4, x: Float64Array.from(x) }, weights });

    // Forward pass written from the definitions: ReLU hidden layer, then e^s_k / Σ_j e^s_j.
    const value = (name: string, index: number) => (weights[name] as NamedTensor).data[index] as number;
    const expected = [0, 1, 2, 3].flatMap((row) => {
      const hidden = [0, 1, 2, 3].map((unit) => Math.max(0, value('layer0.bias', unit) + (x[2 * row] as number) * value('layer0.weight', unit) + (x[2 * row + 1] as number) * value('layer0.weight', 4 + unit)));
      const logits = [0, 1, 2].map((k) => hidden.reduce((sum, h, unit) => sum + h * value('layer1.weight', unit * 3 + k), value('layer1.bias', k)));
      const total = logits.reduce((sum, logit) => sum + Math.exp(logit), 0);
      return logits.map((logit) => Math.exp(logit) / total);
    });
    expect(probabilities).toHaveLength(12);
    probabilities.forEach((probability, index) => {
      const error = Math.abs(probability - (expected[index] as number)) / (expected[index] as number);
      expect(error, `probability ${index}: ${probability} vs ${expected[index]}`).toBeLessThan(tolerance);
    });
    expect(Array.from(probabilities.subarray(9, 12))).toEqual(Array.from(probabilities.subarray(0, 3)));
  });

  it('keeps its loss finite for extreme logits', async () => {
    const config: NetworkConfig = { ...SOFTMAX_3, hiddenLayers: [] };
    const weights: TensorMap = {
      'layer0.weight': { dtype: 'F64', shape: [2, 3], data: Float64Array.of(800, -800, 0, 0, 0, 0) },
      'layer0.bias': { dtype: 'F64', shape: [3], data: new Float64Array(3) },
    };

    const result = await runGraph(compileTrainStepGraph(config), {
      x: { dtype: 'float64', dims: [1, 2], data: Float64Array.of(1, 0) },
      y: { dtype: 'float64', dims: [1, 3], data: Float64Array.of(0, 1, 0) },
      learning_rate: { dtype: 'float64', dims: [], data: Float64Array.of(0.1) },
      'layer0.weight': { dtype: 'float64', dims: [2, 3], data: weights['layer0.weight']!.data as Float64Array },
      'layer0.bias': { dtype: 'float64', dims: [3], data: new Float64Array(3) },
    });

    // The true class has logit −800 against 800: the loss is 1600, not infinity.
    expect(result.loss?.data[0]).toBeCloseTo(1600, 9);
  });

  it.each([
    ['one class', { activation: 'softmax', classes: 1 }, /softmax classes 1 is invalid/],
    ['65 classes', { activation: 'softmax', classes: 65 }, /softmax classes 65 is invalid/],
    ['a fractional class count', { activation: 'softmax', classes: 2.5 }, /softmax classes 2.5 is invalid/],
    ['another activation', { activation: 'tanh' }, /output activation "tanh" is invalid/],
  ])('rejects %s', (_case, output, message) => {
    expect(() => compileTrainStepGraph({ ...SOFTMAX_3, output } as NetworkConfig)).toThrow(message);
  });

  it('rejects a class index outside the classes before training', async () => {
    const data = { layout: ['a', 'b'], n: 2, x: Float64Array.of(1, 2, 3, 4), y: Float64Array.of(0, 3) };

    await expect(
      trainLocalEpochs({ graph: compileTrainStepGraph(SOFTMAX_3), config: SOFTMAX_3, data, weights: initializeNetworkWeights(SOFTMAX_3, 1), epochs: 1, batchSize: 2, seed: 1 }),
    ).rejects.toThrow('y of row 2 is 3; use a class index from 0 to 2');
    expect(() => prepareBinarySiteData(data, ['a', 'b'], 3)).toThrow('y of row 2 is 3; use the class index, an integer from 0 to 2');
  });

  it('compiles byte-identical graphs, different from the binary network', () => {
    const binary: NetworkConfig = { ...SOFTMAX_3, output: undefined };

    expect(Buffer.from(compileTrainStepGraph(SOFTMAX_3)).equals(Buffer.from(compileTrainStepGraph({ ...SOFTMAX_3 })))).toBe(true);
    expect(Buffer.from(compileTrainStepGraph(SOFTMAX_3)).equals(Buffer.from(compileTrainStepGraph(binary)))).toBe(false);
    expect(Buffer.from(compilePredictGraph({ ...SOFTMAX_3, output: { activation: 'softmax', classes: 4 } })).equals(Buffer.from(compilePredictGraph(SOFTMAX_3)))).toBe(false);
  });
});

describe('softmax MLP on separable classes', () => {
  it('learns four well-separated groups', async () => {
    // Four groups of 60 points around the corners of a square, 0.5 standard deviations wide.
    const random = createSeededRandom(3);
    const centres = [[-2, -2], [-2, 2], [2, -2], [2, 2]];
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - random.uniform())) * Math.cos(2 * Math.PI * random.uniform());
    const x: number[] = [];
    const y: number[] = [];
    centres.forEach(([cx, cy], label) => {
      for (let row = 0; row < 60; row += 1) {
        x.push((cx as number) + 0.5 * gaussian(), (cy as number) + 0.5 * gaussian());
        y.push(label);
      }
    });
    const config: NetworkConfig = { ...SOFTMAX_3, hiddenLayers: [8], dtype: 'float32', optimizer: 'adam', learningRate: 0.05, output: { activation: 'softmax', classes: 4 } };
    const rows: BinaryRows = { layout: ['a', 'b'], n: y.length, x: Float64Array.from(x), y: Float64Array.from(y) };

    const trained = await trainLocalEpochs({ graph: compileTrainStepGraph(config), config, data: prepareBinarySiteData(rows, ['a', 'b'], 4), weights: initializeNetworkWeights(config, 2), epochs: 30, batchSize: 16, seed: 4 });
    const score = await scoreMulticlass(config, trained.weights, rows, 4);

    expect(score.accuracy).toBeGreaterThan(0.97);
    expect(score.logLoss).toBeLessThan(0.1);
  });
});

/** Column mean and sample standard deviation, to pin a standardisation in the spec. */
function standardised(values: readonly (number | null)[], column: string) {
  const numbers = values as number[];
  const mean = numbers.reduce((sum, value) => sum + value, 0) / numbers.length;
  const sd = Math.sqrt(numbers.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (numbers.length - 1));
  return { column, encoding: 'numeric' as const, center: mean, scale: sd };
}

/**
 * Returns the spec of tumour grade (I, II, III) of GBSG2 from the other baseline covariates. This
 * real three-class outcome has a weak signal (grade II is 61% of the test rows). The test therefore
 * expects the central accuracy and a better log-loss than the class frequencies, not a high
 * accuracy. A small hidden layer and 10 rounds keep the fit from overfitting 514 training rows.
 */
function gbsg2GradeSpec(): ModelSpecInput {
  const table = readCsvTable('gbsg2.csv');
  const numeric = ['age', 'tsize', 'pnodes', 'progrec', 'estrec'].map((column) => standardised(table.columns.get(column)!.values as number[], column));
  return {
    family: 'mlp_classifier',
    outcome: { kind: 'multiclass', column: 'tgrade', levels: ['I', 'II', 'III'] },
    features: [
      ...numeric,
      { column: 'menostat', encoding: 'categorical', levels: ['Pre', 'Post'], reference: 'Pre' },
      { column: 'horTh', encoding: 'categorical', levels: ['no', 'yes'], reference: 'no' },
    ],
    hyperparameters: { hiddenLayers: [8], optimizer: { learningRate: 0.05, batchSize: 16 } },
  };
}

/** Accuracy (class of highest probability) and mean log-loss on labelled rows. */
async function scoreMulticlass(config: NetworkConfig, weights: TensorMap, rows: BinaryRows, classes: number) {
  const probabilities = await predictProbabilities({ graph: compilePredictGraph(config), config, data: rows, weights });
  let correct = 0;
  let logLoss = 0;
  for (let row = 0; row < rows.n; row += 1) {
    const own = probabilities.subarray(row * classes, (row + 1) * classes);
    const predicted = own.indexOf(Math.max(...own));
    correct += predicted === rows.y[row] ? 1 : 0;
    logLoss -= Math.log(own[rows.y[row] as number] as number);
  }
  return { accuracy: correct / rows.n, logLoss: logLoss / rows.n };
}

describe('federated softmax MLP on GBSG2 tumour grade', () => {
  it('reaches the central test accuracy within 0.02 with FedAvg', async () => {
    const spec = modelSpecSchema.parse(gbsg2GradeSpec());
    const matrix = buildDesignMatrix(readCsvTable('gbsg2.csv'), spec);
    const { config } = federatedTrainingPlanFromSpec(spec, matrix.layout);
    expect(config.output).toEqual({ activation: 'softmax', classes: 3 });

    const rows: BinaryRows = { layout: matrix.layout, n: matrix.n, x: matrix.x, y: matrix.y! };
    const order = createSeededRandom(2024).shuffle(Array.from({ length: rows.n }, (_, index) => index));
    const testRows = new Set(order.slice(0, Math.round(rows.n / 4)));
    const test = selectRows(rows, (index) => testRows.has(index));
    const graph = compileTrainStepGraph(config);
    const initial = initializeNetworkWeights(config, 1);
    const epochs = 10;

    const central = await trainLocalEpochs({
      graph,
      config,
      data: prepareBinarySiteData(selectRows(rows, (index) => !testRows.has(index)), config.layout, 3),
      weights: initial,
      epochs,
      batchSize: 16,
      seed: 5,
    });

    // Row i of the table goes to site i mod 3, as in the shared site files.
    const sites = [0, 1, 2].map((site) => prepareBinarySiteData(selectRows(rows, (index) => index % 3 === site && !testRows.has(index)), config.layout, 3));
    const global = await runFedAvgRounds({ graph, config, sites, initial, rounds: epochs, localEpochs: 1, batchSize: 16, seed: 5 });

    const centralScore = await scoreMulticlass(config, central.weights, test, 3);
    const federatedScore = await scoreMulticlass(config, global, test, 3);
    const training = selectRows(rows, (index) => !testRows.has(index));
    const frequencies = [0, 1, 2].map((k) => training.y.filter((value) => value === k).length / training.n);
    const priorLogLoss = -test.y.reduce((sum, value) => sum + Math.log(frequencies[value] as number), 0) / test.n;

    expect(federatedScore.accuracy).toBeGreaterThanOrEqual(centralScore.accuracy - 0.02);
    expect(federatedScore.logLoss).toBeLessThan(centralScore.logLoss + 0.02);
    expect(federatedScore.logLoss).toBeLessThan(priorLogLoss);
  });
});
