import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { attr, GraphBuilder, ONNX_IR_VERSION, type AttributeValue } from './graph-builder.js';
import { ModelProtoType } from './onnx-schema.js';
import { sha256Hex } from './run-graph.js';
import { buildSampleGraph } from './testing/sample-graph.js';

interface DecodedModel {
  irVersion: string;
  producerName: string;
  opsetImport: Array<{ domain?: string; version: string }>;
  graph: {
    name: string;
    node: Array<{
      name: string;
      opType: string;
      domain?: string;
      input: string[];
      output: string[];
      attribute: Array<Record<string, unknown>>;
    }>;
    initializer: Array<{ name: string; dims: string[]; dataType: number; rawData: Uint8Array }>;
    input: Array<{ name: string; type: { tensorType: { elemType: number; shape: { dim: unknown[] } } } }>;
    output: Array<{ name: string }>;
  };
}

function decode(bytes: Uint8Array): DecodedModel {
  return ModelProtoType.toObject(ModelProtoType.decode(bytes), {
    longs: String,
    defaults: false,
    arrays: true,
  }) as DecodedModel;
}

describe('GraphBuilder', () => {
  it('builds identical bytes in separate processes', () => {
    const script = fileURLToPath(new URL('./testing/print-sample-graph-hash.ts', import.meta.url));
    const runs = [1, 2].map(() => spawnSync('npx', ['tsx', script], { encoding: 'utf8' }));

    for (const run of runs) {
      expect(run.status, run.stderr).toBe(0);
    }
    const hashes = runs.map((run) => run.stdout.trim());
    expect(hashes[0]).toMatch(/^[0-9a-f]{64} [0-9a-f]{64}$/);
    expect(hashes[1]).toBe(hashes[0]);
    expect(hashes[0]).toBe(`${sha256Hex(buildSampleGraph('float64'))} ${sha256Hex(buildSampleGraph('float32'))}`);
  });

  it('writes the fixed header, opset and counter-based names', () => {
    const model = decode(buildSampleGraph('float64'));

    expect(model.irVersion).toBe(String(ONNX_IR_VERSION));
    expect(model.producerName).toBe('onsite-compute');
    expect(model.opsetImport).toEqual([{ version: '17' }]);
    expect(model.graph.name).toBe('sample_float64');
    expect(model.graph.node.map((node) => node.opType)).toEqual([
      'MatMul',
      'Squeeze',
      'Exp',
      'CumSum',
      'Gather',
      'Greater',
      'Where',
      'LeakyRelu',
    ]);
    expect(model.graph.node[0]?.name).toBe('node_0_MatMul');
    expect(model.graph.node[0]?.output).toEqual(['matmul_0']);
    expect(model.graph.node[3]?.name).toBe('node_risk');
  });

  it('stores initializers as little-endian raw data in insertion order', () => {
    const graph = new GraphBuilder('raw');
    graph.initializer('w', 'float64', [2], [1.5, -2]);
    graph.initializer('k', 'int64', [2], [1n, -1]);
    graph.initializer('flags', 'bool', [3], [1, 0, 1]);
    graph.op('Identity', ['w'], {}, { name: 'out' });
    graph.output('out', 'float64', [2]);

    const [w, k, flags] = decode(graph.toBytes()).graph.initializer;

    expect(w?.name).toBe('w');
    expect(w?.dataType).toBe(11);
    expect(w?.dims).toEqual(['2']);
    expect(Array.from(new Float64Array(Uint8Array.from(w?.rawData ?? []).buffer))).toEqual([1.5, -2]);
    expect(k?.dataType).toBe(7);
    expect(Buffer.from(k?.rawData ?? []).toString('hex')).toBe('0100000000000000ffffffffffffffff');
    expect(flags?.dataType).toBe(9);
    expect(Array.from(flags?.rawData ?? [])).toEqual([1, 0, 1]);
  });

  it('shares one initializer between identical constants', () => {
    const graph = new GraphBuilder('constants');
    const first = graph.constant('float64', [], [1]);
    const second = graph.constant('float64', [], [1]);
    const other = graph.constant('float32', [], [1]);

    expect(second).toBe(first);
    expect(other).not.toBe(first);
  });

  it('encodes each attribute form with its ONNX type', () => {
    const attributes: Record<string, AttributeValue> = {
      axis: 1,
      alpha: 0.25,
      whole: attr.float(1),
      big: 2n ** 40n,
      mode: 'constant',
      perm: [1, 0],
      scales: [0.5, 2],
      empty: [],
      wholes: attr.floats([1, 2]),
      names: ['a', 'b'],
      value: attr.tensor('float64', [1], [3.5]),
    };
    const graph = new GraphBuilder('attributes');
    const x = graph.input('x', 'float64', [1]);
    graph.op('Custom', [x], attributes, { name: 'y', domain: 'com.example' });
    graph.output('y', 'float64', [1]);

    const model = decode(graph.toBytes());
    const node = model.graph.node[0];
    const byName = Object.fromEntries((node?.attribute ?? []).map((item) => [item.name, item]));

    expect(node?.domain).toBe('com.example');
    expect(model.opsetImport).toEqual([{ version: '17' }, { domain: 'com.example', version: '1' }]);
    expect(node?.attribute.map((item) => item.name)).toEqual(Object.keys(attributes).sort());
    expect(byName.axis).toMatchObject({ type: 2, i: '1' });
    expect(byName.alpha).toMatchObject({ type: 1, f: 0.25 });
    expect(byName.whole).toMatchObject({ type: 1, f: 1 });
    expect(byName.big).toMatchObject({ type: 2, i: String(2n ** 40n) });
    expect(byName.mode?.type).toBe(3);
    expect(Buffer.from(byName.mode?.s as Uint8Array).toString()).toBe('constant');
    expect(byName.perm).toMatchObject({ type: 7, ints: ['1', '0'] });
    expect(byName.scales).toMatchObject({ type: 6, floats: [0.5, 2] });
    expect(byName.empty).toMatchObject({ type: 7 });
    expect(byName.wholes).toMatchObject({ type: 6, floats: [1, 2] });
    expect(byName.names?.type).toBe(8);
    expect(byName.value).toMatchObject({ type: 4, t: { dataType: 11, dims: ['1'] } });
  });

  it.each([
    {
      case: 'an undefined node input',
      build: (graph: GraphBuilder) => graph.op('Relu', ['missing']),
      message: /input 0 of Relu is "missing", which is not defined yet/,
    },
    {
      case: 'a value defined twice',
      build: (graph: GraphBuilder) => graph.input('x', 'float64', [1]),
      message: /value "x" \(input\) is already defined/,
    },
    {
      case: 'an output that was never produced',
      build: (graph: GraphBuilder) => graph.output('nothing', 'float64', [1]),
      message: /"nothing" is not defined; produce it with op\(\) first/,
    },
    {
      case: 'an initializer with too few values',
      build: (graph: GraphBuilder) => graph.initializer('w', 'float64', [2, 2], [1, 2, 3]),
      message: /initializer "w": shape \[2, 2\] needs 4 values but 3 were given/,
    },
    {
      case: 'a fractional int64 value',
      build: (graph: GraphBuilder) => graph.initializer('k', 'int64', [1], [1.5]),
      message: /element 0 is 1.5; int64 takes safe integers or bigints/,
    },
    {
      case: 'an int32 value out of range',
      build: (graph: GraphBuilder) => graph.constant('int32', [1], [2 ** 31]),
      message: /element 0 is 2147483648, which is not an int32/,
    },
    {
      case: 'a bool value other than 0 or 1',
      build: (graph: GraphBuilder) => graph.constant('bool', [1], [2]),
      message: /bool takes 0 or 1/,
    },
    {
      case: 'an unsupported dtype',
      build: (graph: GraphBuilder) => graph.input('h', 'float16' as never, [1]),
      message: /dtype "float16" is not supported/,
    },
    {
      case: 'a negative dimension',
      build: (graph: GraphBuilder) => graph.input('y', 'float64', [-1]),
      message: /dimension 0 is -1/,
    },
    {
      case: 'a non-finite attribute',
      build: (graph: GraphBuilder) => graph.op('LeakyRelu', ['x'], { alpha: Number.NaN }),
      message: /attribute "alpha" of LeakyRelu is NaN/,
    },
    {
      case: 'an invalid operator name',
      build: (graph: GraphBuilder) => graph.op('Mat Mul', ['x']),
      message: /operator type "Mat Mul" is invalid/,
    },
    {
      case: 'a graph without outputs',
      build: (graph: GraphBuilder) => graph.toBytes(),
      message: /graph "errors" has no outputs/,
    },
  ])('rejects $case', ({ build, message }) => {
    const graph = new GraphBuilder('errors');
    graph.input('x', 'float64', [1]);

    expect(() => build(graph)).toThrow(message);
  });
});
