/**
 * Measures one full-batch training step (forward, backward, SGD update) of logistic regression
 * (n = 100,000 rows, d = 30 features) and of an MLP 30-64-1, in float32, with three engines:
 * onnxruntime-web (WebAssembly, as the gateway runs it), onnxruntime-node (native CPU, a
 * reference) and a plain typed-array loop in JavaScript. All three run the same maths. The ONNX
 * engines run the graph that `compileTrainStepGraph` builds.
 *
 * Run: npx tsx bench/training-step.ts [repeats]
 * Prints samples per second (rows / median step time) as a Markdown table.
 */
import { availableParallelism, cpus } from 'node:os';

import * as ortNode from 'onnxruntime-node';

import {
  compileTrainStepGraph,
  createSeededRandom,
  initializeNetworkWeights,
  parameterShapes,
  runGraph,
  type NamedTensor,
  type NetworkConfig,
  type TensorValue,
} from '@onsite/compute';

const ROWS = 100_000;
const FEATURES = 30;
const WARMUP_RUNS = 2;
const repeats = Number(process.argv[2] ?? 10);
if (!Number.isInteger(repeats) || repeats < 1) {
  throw new RangeError(`training-step: repeats is "${process.argv[2]}"; pass a positive integer such as 10`);
}

interface Workload {
  label: string;
  config: NetworkConfig;
}

const layout = Array.from({ length: FEATURES }, (_, index) => `x${index}`);
const workloads: Workload[] = [
  {
    label: `logistic regression (d = ${FEATURES})`,
    config: { layout, hiddenLayers: [], dtype: 'float32', optimizer: 'sgd', learningRate: 0.1, proximalMu: 0 },
  },
  {
    label: `MLP ${FEATURES}-64-1`,
    config: { layout, hiddenLayers: [64], dtype: 'float32', optimizer: 'sgd', learningRate: 0.1, proximalMu: 0 },
  },
];

function makeData(): { x: Float32Array; y: Float32Array } {
  const random = createSeededRandom(1);
  const x = Float32Array.from({ length: ROWS * FEATURES }, () => 2 * random.uniform() - 1);
  const y = Float32Array.from({ length: ROWS }, () => (random.uniform() < 0.5 ? 1 : 0));
  return { x, y };
}

async function medianSeconds(run: () => Promise<void> | void): Promise<number> {
  for (let i = 0; i < WARMUP_RUNS; i += 1) {
    await run();
  }
  const times: number[] = [];
  for (let i = 0; i < repeats; i += 1) {
    const start = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

function feedsFor(config: NetworkConfig, data: { x: Float32Array; y: Float32Array }): Record<string, TensorValue> {
  const weights = initializeNetworkWeights(config, 3);
  const feeds: Record<string, TensorValue> = {
    x: { dtype: 'float32', dims: [ROWS, FEATURES], data: data.x },
    y: { dtype: 'float32', dims: [ROWS], data: data.y },
    learning_rate: { dtype: 'float32', dims: [], data: Float32Array.of(config.learningRate) },
  };
  for (const { name, shape } of parameterShapes(config)) {
    feeds[name] = { dtype: 'float32', dims: shape, data: (weights[name] as NamedTensor).data as Float32Array };
  }
  return feeds;
}

/**
 * Returns the same step written as plain loops over Float32Array: forward pass, mean
 * cross-entropy gradient, backpropagation through one optional ReLU layer, SGD update.
 */
function typedArrayStep(config: NetworkConfig, feeds: Record<string, TensorValue>): () => void {
  const x = feeds.x?.data as Float32Array;
  const y = feeds.y?.data as Float32Array;
  const rate = config.learningRate;
  const hidden = config.hiddenLayers[0];

  if (hidden === undefined) {
    const weight = Float32Array.from(feeds['layer0.weight']?.data as Float32Array);
    const bias = Float32Array.from(feeds['layer0.bias']?.data as Float32Array);
    const gradient = new Float32Array(FEATURES);
    return () => {
      gradient.fill(0);
      let biasGradient = 0;
      for (let r = 0; r < ROWS; r += 1) {
        let logit = bias[0] as number;
        const offset = r * FEATURES;
        for (let j = 0; j < FEATURES; j += 1) logit += (x[offset + j] as number) * (weight[j] as number);
        const delta = (1 / (1 + Math.exp(-logit)) - (y[r] as number)) / ROWS;
        biasGradient += delta;
        for (let j = 0; j < FEATURES; j += 1) gradient[j] = (gradient[j] as number) + delta * (x[offset + j] as number);
      }
      for (let j = 0; j < FEATURES; j += 1) weight[j] = (weight[j] as number) - rate * (gradient[j] as number);
      bias[0] = (bias[0] as number) - rate * biasGradient;
    };
  }

  const w0 = Float32Array.from(feeds['layer0.weight']?.data as Float32Array);
  const b0 = Float32Array.from(feeds['layer0.bias']?.data as Float32Array);
  const w1 = Float32Array.from(feeds['layer1.weight']?.data as Float32Array);
  const b1 = Float32Array.from(feeds['layer1.bias']?.data as Float32Array);
  const gw0 = new Float32Array(w0.length);
  const gb0 = new Float32Array(b0.length);
  const gw1 = new Float32Array(w1.length);
  const activation = new Float32Array(hidden);
  return () => {
    gw0.fill(0);
    gb0.fill(0);
    gw1.fill(0);
    let gb1 = 0;
    for (let r = 0; r < ROWS; r += 1) {
      const offset = r * FEATURES;
      let logit = b1[0] as number;
      for (let h = 0; h < hidden; h += 1) {
        let z = b0[h] as number;
        for (let j = 0; j < FEATURES; j += 1) z += (x[offset + j] as number) * (w0[j * hidden + h] as number);
        activation[h] = z > 0 ? z : 0;
        logit += (activation[h] as number) * (w1[h] as number);
      }
      const delta = (1 / (1 + Math.exp(-logit)) - (y[r] as number)) / ROWS;
      gb1 += delta;
      for (let h = 0; h < hidden; h += 1) {
        gw1[h] = (gw1[h] as number) + delta * (activation[h] as number);
        if ((activation[h] as number) > 0) {
          const back = delta * (w1[h] as number);
          gb0[h] = (gb0[h] as number) + back;
          for (let j = 0; j < FEATURES; j += 1) gw0[j * hidden + h] = (gw0[j * hidden + h] as number) + back * (x[offset + j] as number);
        }
      }
    }
    for (let k = 0; k < w0.length; k += 1) w0[k] = (w0[k] as number) - rate * (gw0[k] as number);
    for (let k = 0; k < b0.length; k += 1) b0[k] = (b0[k] as number) - rate * (gb0[k] as number);
    for (let k = 0; k < w1.length; k += 1) w1[k] = (w1[k] as number) - rate * (gw1[k] as number);
    b1[0] = (b1[0] as number) - rate * gb1;
  };
}

async function main(): Promise<void> {
  const data = makeData();
  const rows: string[] = [];
  for (const { label, config } of workloads) {
    const graph = compileTrainStepGraph(config);
    const feeds = feedsFor(config, data);

    const web = await medianSeconds(async () => {
      await runGraph(graph, feeds);
    });

    const session = await ortNode.InferenceSession.create(graph, { graphOptimizationLevel: 'all' });
    const nodeFeeds = Object.fromEntries(
      Object.entries(feeds).map(([name, value]) => [name, new ortNode.Tensor(value.dtype as 'float32', value.data as Float32Array, value.dims)]),
    );
    const native = await medianSeconds(async () => {
      await session.run(nodeFeeds);
    });
    await session.release();

    const loop = await medianSeconds(typedArrayStep(config, feeds));

    const rate = (seconds: number) => Math.round(ROWS / seconds).toLocaleString('en-US');
    rows.push(`| ${label} | ${rate(web)} | ${rate(native)} | ${rate(loop)} |`);
  }

  console.log(`Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} logical CPUs, Node ${process.version}`);
  console.log(`One full-batch SGD step on ${ROWS.toLocaleString('en-US')} rows, float32; median of ${repeats} runs after ${WARMUP_RUNS} warm-up runs.`);
  console.log('');
  console.log('| model | onnxruntime-web (WASM), samples/s | onnxruntime-node (native), samples/s | typed-array loop, samples/s |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of rows) {
    console.log(row);
  }
}

await main();
process.exit(0);
