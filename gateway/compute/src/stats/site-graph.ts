import { runGraph, sha256Hex, type GraphBuilder, type TensorValue } from '../onnx/index.js';

/**
 * A site-side graph compiled from a spec: its ONNX bytes, their SHA-256 (what the data officer
 * approves), and the names of its inputs and outputs. Every output is a sum over rows, so the
 * server adds the outputs of all sites and receives no row.
 */
export interface CompiledSiteGraph {
  bytes: Uint8Array;
  sha256: string;
  inputNames: string[];
  outputNames: string[];
}

/** Named tensors as a site returns them (the names are the graph's output names). */
export type SiteTensors = Record<string, TensorValue>;

/** Serialises a finished builder and records its hash. */
export function finishSiteGraph(builder: GraphBuilder, inputNames: string[], outputNames: string[]): CompiledSiteGraph {
  const bytes = builder.toBytes();
  return { bytes, sha256: sha256Hex(bytes), inputNames, outputNames };
}

/** Wraps a float64 vector as a rank-1 tensor. */
export function float64Vector(values: Float64Array): TensorValue {
  return { dtype: 'float64', dims: [values.length], data: values };
}

/** Wraps an int64 vector (from safe integers) as a rank-1 tensor. */
export function int64Vector(values: ArrayLike<number>): TensorValue {
  return { dtype: 'int64', dims: [values.length], data: BigInt64Array.from(Array.from(values, BigInt)) };
}

/** Reads a float64 output of a graph run as a plain Float64Array, naming the output if it is absent. */
export function readFloat64(tensors: SiteTensors, name: string): Float64Array {
  const tensor = tensors[name];
  if (tensor === undefined) {
    throw new Error(`site tensors have no "${name}"; present: ${Object.keys(tensors).join(', ') || 'none'}`);
  }
  if (tensor.dtype !== 'float64' || !(tensor.data instanceof Float64Array)) {
    throw new TypeError(`site tensor "${name}" is ${tensor.dtype}; float64 was expected`);
  }
  return tensor.data;
}

/**
 * Runs a graph whose outputs are sums over rows on consecutive row ranges of at most `chunkRows`
 * rows and adds the outputs, which equals one run over all rows. It bounds the memory of graphs
 * that compare every row with every bin (an n × bins matrix).
 */
export async function runSummingGraphInChunks(
  graph: CompiledSiteGraph,
  rowCount: number,
  chunkRows: number,
  feedsForRows: (start: number, end: number) => Record<string, TensorValue>,
): Promise<SiteTensors> {
  if (!Number.isSafeInteger(chunkRows) || chunkRows < 1) {
    throw new RangeError(`chunkRows is ${chunkRows}; use a positive integer`);
  }

  // An empty table still runs once, so the caller gets zero-filled outputs of the right dims.
  let total = await runGraph(graph.bytes, feedsForRows(0, Math.min(rowCount, chunkRows)), graph.outputNames);
  for (let start = chunkRows; start < rowCount; start += chunkRows) {
    const end = Math.min(rowCount, start + chunkRows);
    const outputs = await runGraph(graph.bytes, feedsForRows(start, end), graph.outputNames);
    total = addSiteTensors(total, outputs);
  }
  return total;
}

/**
 * Adds two sets of float64 site tensors element by element. Both must hold the same names with
 * the same dims, as outputs of one graph do.
 */
export function addSiteTensors(left: SiteTensors, right: SiteTensors): SiteTensors {
  const names = Object.keys(left);
  const extra = Object.keys(right).filter((name) => !(name in left));
  if (extra.length > 0) {
    throw new Error(`cannot add site tensors: "${extra.join('", "')}" appear on one side only`);
  }

  const sum: SiteTensors = {};
  for (const name of names) {
    const a = left[name] as TensorValue;
    const b = right[name];
    if (b === undefined) {
      throw new Error(`cannot add site tensors: "${name}" appears on one side only`);
    }
    if (a.dims.join(',') !== b.dims.join(',')) {
      throw new RangeError(`cannot add site tensor "${name}": dims [${a.dims.join(', ')}] and [${b.dims.join(', ')}] differ`);
    }
    const x = readFloat64(left, name);
    const y = readFloat64(right, name);
    const data = new Float64Array(x.length);
    for (let i = 0; i < x.length; i += 1) {
      data[i] = (x[i] as number) + (y[i] as number);
    }
    sum[name] = { dtype: 'float64', dims: [...a.dims], data };
  }
  return sum;
}
