import { afterAll, describe, expect, it } from 'vitest';

import { GraphBuilder } from './graph-builder.js';
import { configureOnnxRuntime, ensureOnnxRuntimeConfigured } from './ort-env.js';
import {
  cachedSessionCount,
  MAX_CACHED_SESSIONS,
  releaseCachedSessions,
  runGraph,
  sha256Hex,
  type TensorValue,
} from './run-graph.js';
import { buildSampleGraph } from './testing/sample-graph.js';

const BETA = [0.5, -0.25, 0.125];
const ROWS = [
  [1, 2, 3],
  [-1, 0.5, 4],
  [2, 2, -2],
  [0, -3, 1],
];
const INDEX = [3n, 0n, 2n];

/** Computes the sample graph's outputs in plain TypeScript, in float64. */
function expectedOutputs(): Record<string, number[]> {
  const score = ROWS.map((row) => row.reduce((sum, value, column) => sum + value * (BETA[column] as number), 0));
  const risk = score.map((_, row) => score.slice(row).reduce((sum, value) => sum + Math.exp(value), 0));
  return {
    score,
    risk,
    picked: INDEX.map((index) => risk[Number(index)] as number),
    clipped: score.map((value) => (value > 0 ? value : 0)),
    leaky: score.map((value) => (value > 0 ? value : 0.5 * value)),
  };
}

function sampleFeeds(dtype: 'float64' | 'float32'): Record<string, TensorValue> {
  const flat = ROWS.flat();
  return {
    x: { dtype, dims: [ROWS.length, 3], data: dtype === 'float64' ? new Float64Array(flat) : new Float32Array(flat) },
    index: { dtype: 'int64', dims: [INDEX.length], data: new BigInt64Array(INDEX) },
  };
}

afterAll(async () => {
  await releaseCachedSessions();
});

describe('runGraph', () => {
  it.each([
    { dtype: 'float64' as const, digits: 12, array: Float64Array },
    { dtype: 'float32' as const, digits: 5, array: Float32Array },
  ])('matches plain TypeScript for MatMul, CumSum, Gather and Where in $dtype', async ({ dtype, digits, array }) => {
    const outputs = await runGraph(buildSampleGraph(dtype), sampleFeeds(dtype));
    const expected = expectedOutputs();

    expect(Object.keys(outputs).sort()).toEqual(['clipped', 'leaky', 'picked', 'risk', 'score']);
    for (const [name, values] of Object.entries(expected)) {
      const output = outputs[name] as TensorValue;
      expect(output.dtype, name).toBe(dtype);
      expect(output.data, name).toBeInstanceOf(array);
      expect(output.dims, name).toEqual([values.length]);
      values.forEach((value, index) => {
        expect(output.data[index] as number, `${name}[${index}]`).toBeCloseTo(value, digits);
      });
    }
  });

  it('returns only the requested outputs', async () => {
    const outputs = await runGraph(buildSampleGraph('float64'), sampleFeeds('float64'), ['picked']);

    expect(Object.keys(outputs)).toEqual(['picked']);
  });

  it('reuses the cached session for the same model bytes', async () => {
    const model = buildSampleGraph('float64');
    await runGraph(model, sampleFeeds('float64'));
    const before = cachedSessionCount();

    await runGraph(buildSampleGraph('float64'), sampleFeeds('float64'));

    expect(cachedSessionCount()).toBe(before);
  });

  it('runs the same model concurrently', async () => {
    const model = buildSampleGraph('float64');

    const results = await Promise.all(Array.from({ length: 8 }, () => runGraph(model, sampleFeeds('float64'))));

    const expected = expectedOutputs().risk as number[];
    expect(results).toHaveLength(8);
    for (const result of results) {
      expect(result.risk?.data).toHaveLength(expected.length);
      result.risk?.data.forEach((value, index) => expect(value as number).toBeCloseTo(expected[index] as number, 12));
    }
  });

  it('releases the least recently used sessions past the cache limit', async () => {
    for (let index = 0; index <= MAX_CACHED_SESSIONS + 1; index += 1) {
      const graph = new GraphBuilder(`cache_${index}`);
      const x = graph.input('x', 'float64', [1]);
      graph.op('Add', [x, graph.constant('float64', [1], [index])], {}, { name: 'y' });
      graph.output('y', 'float64', [1]);

      const { y } = await runGraph(graph.toBytes(), { x: { dtype: 'float64', dims: [1], data: new Float64Array([1]) } });

      expect(y?.data[0]).toBe(index + 1);
    }

    expect(cachedSessionCount()).toBe(MAX_CACHED_SESSIONS);
  });

  it('keeps the thread count fixed once sessions exist', async () => {
    await runGraph(buildSampleGraph('float64'), sampleFeeds('float64'));
    const { numThreads } = ensureOnnxRuntimeConfigured();

    expect(configureOnnxRuntime({ numThreads })).toEqual({ numThreads });
    expect(() => configureOnnxRuntime({ numThreads: numThreads + 1 })).toThrow(
      `onnxruntime-web already runs with ${numThreads} threads and cannot switch to ${numThreads + 1}`,
    );
  });

  it('runs integer and bool tensors', async () => {
    const graph = new GraphBuilder('integers');
    const counts = graph.input('counts', 'int32', [3]);
    const flags = graph.input('flags', 'bool', [3]);
    const asInt = graph.op1('Cast', [flags], { to: 6 });
    const total = graph.op('Add', [counts, asInt], {}, { name: 'total' })[0] as string;
    graph.op('Not', [flags], {}, { name: 'negated' });
    graph.output(total, 'int32', [3]);
    graph.output('negated', 'bool', [3]);

    const outputs = await runGraph(graph.toBytes(), {
      counts: { dtype: 'int32', dims: [3], data: new Int32Array([5, 6, 7]) },
      flags: { dtype: 'bool', dims: [3], data: new Uint8Array([1, 0, 1]) },
    });

    expect(Array.from(outputs.total?.data as Int32Array)).toEqual([6, 6, 8]);
    expect(Array.from(outputs.negated?.data as Uint8Array)).toEqual([0, 1, 0]);
  });

  it.each([
    {
      case: 'missing feed',
      feeds: { x: sampleFeeds('float64').x } as Record<string, TensorValue>,
      message: /missing feeds index/,
    },
    {
      case: 'unknown feed',
      feeds: { ...sampleFeeds('float64'), extra: { dtype: 'float64', dims: [1], data: new Float64Array(1) } },
      message: /has no input extra/,
    },
    {
      case: 'data type differing from dtype',
      feeds: { ...sampleFeeds('float64'), x: { dtype: 'float64', dims: [4, 3], data: new Float32Array(12) } },
      message: /feed "x" is float64, so its data must be a Float64Array/,
    },
    {
      case: 'dims not matching the data length',
      feeds: { ...sampleFeeds('float64'), x: { dtype: 'float64', dims: [4, 4], data: new Float64Array(12) } },
      message: /feed "x" has dims \[4, 4\] \(16 elements\) but 12 values/,
    },
    {
      case: 'negative dimension',
      feeds: { ...sampleFeeds('float64'), x: { dtype: 'float64', dims: [-4, 3], data: new Float64Array(12) } },
      message: /dimension 0 = -4/,
    },
  ] satisfies Array<{ case: string; feeds: Record<string, TensorValue>; message: RegExp }>)(
    'rejects $case',
    async ({ feeds, message }) => {
      await expect(runGraph(buildSampleGraph('float64'), feeds)).rejects.toThrow(message);
    },
  );

  it('rejects an unknown output name', async () => {
    await expect(runGraph(buildSampleGraph('float64'), sampleFeeds('float64'), ['nope'])).rejects.toThrow(
      /has no output "nope"; its outputs are score, risk, picked, clipped, leaky/,
    );
  });

  it('rejects bytes that are not a model and does not cache them', async () => {
    const garbage = new TextEncoder().encode('not an onnx model');
    const before = cachedSessionCount();

    await expect(runGraph(garbage, {})).rejects.toThrow(/could not load the model/);
    expect(cachedSessionCount()).toBe(before);
  });

  it('wraps a runtime failure with the model hash', async () => {
    const graph = new GraphBuilder('bad_shapes');
    const a = graph.input('a', 'float64', ['n', 'm']);
    const b = graph.input('b', 'float64', ['p', 'q']);
    graph.op('MatMul', [a, b], {}, { name: 'product' });
    graph.output('product', 'float64', ['n', 'q']);
    const model = graph.toBytes();

    await expect(
      runGraph(model, {
        a: { dtype: 'float64', dims: [2, 3], data: new Float64Array(6) },
        b: { dtype: 'float64', dims: [2, 3], data: new Float64Array(6) },
      }),
    ).rejects.toThrow(`failed to run the model (sha256 ${sha256Hex(model).slice(0, 12)}`);
  });
});

describe('sha256Hex', () => {
  it('hashes bytes as lowercase hex', () => {
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
