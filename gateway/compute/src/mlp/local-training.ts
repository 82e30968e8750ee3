import type { BinarySiteData } from '../logistic/binary-site-data.js';
import { runGraph, type TensorValue } from '../onnx/index.js';
import type { NamedTensor, TensorMap } from '../weights/tensor-map.js';
import { checkNetworkConfig, classCount, networkTensorLayout, outputWidth, parameterShapes, type NetworkConfig } from './network-config.js';
import { createSeededRandom } from './seeded-random.js';
import { PREDICT_GRAPH, TRAIN_STEP_GRAPH } from './train-step-graph.js';

type FloatArray = Float32Array | Float64Array;

/**
 * Draws initial weights from a seed: He-uniform U(±√(6 / fan_in)) for ReLU layers, Glorot-uniform
 * U(±√(6 / (fan_in + fan_out))) for the output layer, biases 0. A network without hidden layers
 * (logistic regression) starts at 0, as the Newton fit does. Same config and seed, same weights.
 */
export function initializeNetworkWeights(input: NetworkConfig, seed: number): TensorMap {
  const config = checkNetworkConfig(input);
  const random = createSeededRandom(seed);
  const shapes = parameterShapes(config);
  const outputLayer = shapes.length / 2 - 1;
  const weights: TensorMap = {};

  for (const [index, { name, shape }] of shapes.entries()) {
    const size = shape.reduce((product, dim) => product * dim, 1);
    const data = config.dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
    const layer = Math.floor(index / 2);
    const isWeight = index % 2 === 0;
    if (isWeight && config.hiddenLayers.length > 0) {
      const [fanIn, fanOut] = shape as [number, number];
      const limit = layer < outputLayer ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
      for (let k = 0; k < size; k += 1) {
        data[k] = (2 * random.uniform() - 1) * limit;
      }
    }
    weights[name] = toNamedTensor(data, shape);
  }
  return weights;
}

/** Result of a site's local training, sent back as its update. */
export interface LocalTrainingResult {
  weights: TensorMap;
  /** Rows trained on, the FedAvg weight of this update. */
  sampleCount: number;
  /** Mean training loss over the mini-batches of the last epoch (cross-entropy, before each step). */
  meanLoss: number;
  steps: number;
}

/**
 * Runs `epochs` local epochs of mini-batch training from `weights`. Each epoch visits the rows in
 * an order shuffled by a generator seeded with `seed` and runs the train-step graph once per batch
 * (the last batch of an epoch may be smaller). With FedProx (μ > 0) the proximal term pulls
 * towards the weights the round started from. Adam moments start at zero every call, because the
 * local optimiser state is not shared between rounds.
 */
export async function trainLocalEpochs(options: {
  graph: Uint8Array;
  config: NetworkConfig;
  data: BinarySiteData;
  weights: TensorMap;
  epochs: number;
  batchSize: number;
  seed: number;
}): Promise<LocalTrainingResult> {
  const config = checkNetworkConfig(options.config);
  const { data, epochs, batchSize } = options;
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new RangeError(`trainLocalEpochs: epochs is ${epochs}; use a positive integer`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`trainLocalEpochs: batch size is ${batchSize}; use a positive integer`);
  }
  checkDataLayout(config, data, 'trainLocalEpochs');
  checkWeights(config, options.weights, 'trainLocalEpochs');

  const names = TRAIN_STEP_GRAPH;
  const shapes = parameterShapes(config);
  const width = config.layout.length;
  const features = config.dtype === 'float32' ? Float32Array.from(data.x) : Float64Array.from(data.x);
  // The graph reads y as one value per row (sigmoid) or one one-hot row of `classes` values (softmax).
  const yWidth = outputWidth(config);
  const outcome = encodeOutcome(config, data.y, 'trainLocalEpochs');
  const yDims = (rows: number): number[] => (yWidth === 1 ? [rows] : [rows, yWidth]);

  let current: Record<string, FloatArray> = {};
  const fixedFeeds: Record<string, TensorValue> = {
    [names.learningRate]: {
      dtype: config.dtype,
      dims: [],
      data: config.dtype === 'float32' ? Float32Array.of(config.learningRate) : Float64Array.of(config.learningRate),
    },
  };
  for (const { name, shape } of shapes) {
    const tensor = options.weights[name] as NamedTensor;
    current[name] = tensor.data.slice() as FloatArray;
    if (config.proximalMu > 0) {
      fixedFeeds[names.global(name)] = { dtype: config.dtype, dims: shape, data: tensor.data.slice() as FloatArray };
    }
  }
  let momentM: Record<string, FloatArray> = {};
  let momentV: Record<string, FloatArray> = {};
  if (config.optimizer === 'adam') {
    for (const { name } of shapes) {
      momentM[name] = zerosLike(current[name] as FloatArray);
      momentV[name] = zerosLike(current[name] as FloatArray);
    }
  }

  const random = createSeededRandom(options.seed);
  const order = Array.from({ length: data.n }, (_, index) => index);
  let steps = 0;
  let lossSum = 0;
  let lossBatches = 0;

  for (let epoch = 0; epoch < epochs; epoch += 1) {
    random.shuffle(order);
    lossSum = 0;
    lossBatches = 0;
    for (let start = 0; start < data.n; start += batchSize) {
      const rows = order.slice(start, start + batchSize);
      const batchX = config.dtype === 'float32' ? new Float32Array(rows.length * width) : new Float64Array(rows.length * width);
      const batchY = config.dtype === 'float32' ? new Float32Array(rows.length * yWidth) : new Float64Array(rows.length * yWidth);
      rows.forEach((row, target) => {
        batchX.set(features.subarray(row * width, (row + 1) * width), target * width);
        batchY.set(outcome.subarray(row * yWidth, (row + 1) * yWidth), target * yWidth);
      });

      steps += 1;
      const feeds: Record<string, TensorValue> = {
        ...fixedFeeds,
        [names.x]: { dtype: config.dtype, dims: [rows.length, width], data: batchX },
        [names.y]: { dtype: config.dtype, dims: yDims(rows.length), data: batchY },
      };
      for (const { name, shape } of shapes) {
        feeds[names.parameter(name)] = { dtype: config.dtype, dims: shape, data: current[name] as FloatArray };
        if (config.optimizer === 'adam') {
          feeds[names.adamM(name)] = { dtype: config.dtype, dims: shape, data: momentM[name] as FloatArray };
          feeds[names.adamV(name)] = { dtype: config.dtype, dims: shape, data: momentV[name] as FloatArray };
        }
      }
      if (config.optimizer === 'adam') {
        const step = config.dtype === 'float32' ? Float32Array.of(steps) : Float64Array.of(steps);
        feeds[names.adamStep] = { dtype: config.dtype, dims: [], data: step };
      }

      const result = await runGraph(options.graph, feeds);
      const loss = readFloat(result, names.loss, 'trainLocalEpochs')[0] as number;
      if (!Number.isFinite(loss)) {
        throw new Error(`trainLocalEpochs: the loss became ${loss} at step ${steps}; lower the learning rate`);
      }
      lossSum += loss;
      lossBatches += 1;

      const next: Record<string, FloatArray> = {};
      const nextM: Record<string, FloatArray> = {};
      const nextV: Record<string, FloatArray> = {};
      for (const { name } of shapes) {
        next[name] = readFloat(result, names.updated(name), 'trainLocalEpochs');
        if (config.optimizer === 'adam') {
          nextM[name] = readFloat(result, names.updatedAdamM(name), 'trainLocalEpochs');
          nextV[name] = readFloat(result, names.updatedAdamV(name), 'trainLocalEpochs');
        }
      }
      current = next;
      momentM = nextM;
      momentV = nextV;
    }
  }

  const weights: TensorMap = {};
  for (const { name, shape } of shapes) {
    const values = current[name] as FloatArray;
    for (const value of values) {
      if (!Number.isFinite(value)) {
        throw new Error(`trainLocalEpochs: tensor "${name}" contains ${value} after training; lower the learning rate`);
      }
    }
    weights[name] = toNamedTensor(values, shape);
  }
  return { weights, sampleCount: data.n, meanLoss: lossSum / lossBatches, steps };
}

/**
 * Returns the predicted probabilities. A sigmoid output gives the positive class's for each row
 * (n values). A softmax output gives one per class for each row: n × classes values, row-major,
 * with class k of a row at `[row * classes + k]`.
 */
export async function predictProbabilities(options: {
  graph: Uint8Array;
  config: NetworkConfig;
  data: { layout: readonly string[]; n: number; x: Float64Array };
  weights: TensorMap;
}): Promise<Float64Array> {
  const config = checkNetworkConfig(options.config);
  checkDataLayout(config, options.data, 'predictProbabilities');
  checkWeights(config, options.weights, 'predictProbabilities');
  const x = config.dtype === 'float32' ? Float32Array.from(options.data.x) : Float64Array.from(options.data.x);
  const feeds: Record<string, TensorValue> = {
    [PREDICT_GRAPH.x]: { dtype: config.dtype, dims: [options.data.n, config.layout.length], data: x },
  };
  for (const { name, shape } of parameterShapes(config)) {
    feeds[name] = { dtype: config.dtype, dims: shape, data: (options.weights[name] as NamedTensor).data as FloatArray };
  }
  const result = await runGraph(options.graph, feeds, [PREDICT_GRAPH.probability]);
  return Float64Array.from(readFloat(result, PREDICT_GRAPH.probability, 'predictProbabilities'));
}

/**
 * Turns class outcomes into what the train-step graph reads: 0/1 per row for a sigmoid output, or
 * one-hot rows for a softmax output. Throws naming the row whose value is not a class.
 */
function encodeOutcome(config: NetworkConfig, y: Float64Array, what: string): FloatArray {
  const classes = classCount(config);
  const width = outputWidth(config);
  const encoded = config.dtype === 'float32' ? new Float32Array(y.length * width) : new Float64Array(y.length * width);
  y.forEach((value, row) => {
    if (!Number.isInteger(value) || value < 0 || value >= classes) {
      throw new RangeError(`${what}: y of row ${row + 1} is ${value}; use a class index from 0 to ${classes - 1}`);
    }
    if (width === 1) encoded[row] = value;
    else encoded[row * width + value] = 1;
  });
  return encoded;
}

function checkDataLayout(config: NetworkConfig, data: { layout: readonly string[] }, what: string): void {
  const same = data.layout.length === config.layout.length && data.layout.every((name, index) => name === config.layout[index]);
  if (!same) {
    throw new RangeError(
      `${what}: the data's features are ${data.layout.join(', ')} but the model's are ${config.layout.join(', ')}; ` +
        'prepare the data with prepareBinarySiteData(rows, config.layout)',
    );
  }
}

function checkWeights(config: NetworkConfig, weights: TensorMap, what: string): void {
  const layout = networkTensorLayout(config);
  for (const [name, spec] of Object.entries(layout)) {
    const tensor = weights[name];
    if (tensor === undefined) {
      throw new RangeError(`${what}: weights have no tensor "${name}"; start from initializeNetworkWeights`);
    }
    if (tensor.dtype !== spec.dtype || tensor.shape.join(',') !== spec.shape.join(',')) {
      throw new RangeError(
        `${what}: tensor "${name}" is ${tensor.dtype} [${tensor.shape.join(', ')}]; the model needs ${spec.dtype} [${spec.shape.join(', ')}]`,
      );
    }
  }
}

function readFloat(result: Record<string, TensorValue>, name: string, what: string): FloatArray {
  const tensor = result[name];
  if (tensor === undefined || !(tensor.data instanceof Float32Array || tensor.data instanceof Float64Array)) {
    throw new Error(`${what}: the graph returned no floating-point output "${name}"; recompile it from the same config`);
  }
  return tensor.data;
}

function zerosLike(values: FloatArray): FloatArray {
  return values instanceof Float32Array ? new Float32Array(values.length) : new Float64Array(values.length);
}

function toNamedTensor(data: FloatArray, shape: number[]): NamedTensor {
  return data instanceof Float32Array
    ? { dtype: 'F32', shape: [...shape], data }
    : { dtype: 'F64', shape: [...shape], data };
}
