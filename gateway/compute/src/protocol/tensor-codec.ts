import type { NamedTensor, TensorMap } from '../weights/tensor-map.js';

/**
 * Small helpers to put plain numbers into the named float64 tensors of a contribution and to read
 * them back with errors that name the tensor, so each computation states its wire format in a few
 * lines.
 */
export function scalarTensor(value: number): NamedTensor {
  return { dtype: 'F64', shape: [1], data: Float64Array.of(value) };
}

export function vectorTensor(values: ArrayLike<number>): NamedTensor {
  return { dtype: 'F64', shape: [values.length], data: Float64Array.from(values) };
}

export function matrixTensor(rows: readonly (readonly number[])[]): NamedTensor {
  const width = rows[0]?.length ?? 0;
  const data = new Float64Array(rows.length * width);
  rows.forEach((row, index) => data.set(row, index * width));
  return { dtype: 'F64', shape: [rows.length, width], data };
}

function requireFloat64(tensors: TensorMap, name: string, what: string): Float64Array {
  const tensor = tensors[name];
  if (!tensor) throw new RangeError(`${what}: the contribution has no tensor "${name}"`);
  if (tensor.dtype !== 'F64') throw new RangeError(`${what}: tensor "${name}" is ${tensor.dtype}; F64 is expected`);
  return tensor.data as Float64Array;
}

export function readScalar(tensors: TensorMap, name: string, what: string): number {
  const data = requireFloat64(tensors, name, what);
  if (data.length !== 1) throw new RangeError(`${what}: tensor "${name}" has ${data.length} values; one is expected`);
  return data[0] as number;
}

export function readVector(tensors: TensorMap, name: string, length: number, what: string): number[] {
  const data = requireFloat64(tensors, name, what);
  if (data.length !== length) throw new RangeError(`${what}: tensor "${name}" has ${data.length} values; ${length} are expected`);
  return Array.from(data);
}

export function readMatrix(tensors: TensorMap, name: string, rows: number, columns: number, what: string): number[][] {
  const data = readVector(tensors, name, rows * columns, what);
  return Array.from({ length: rows }, (_, row) => data.slice(row * columns, (row + 1) * columns));
}

/** Layout entry of an F64 tensor, for `contributionLayout`. */
export function float64Spec(shape: number[]) {
  return { dtype: 'F64' as const, shape };
}

/** Adds vectors of one length element by element, such as the same count vector from every site. */
export function sumVectors(vectors: readonly (readonly number[])[], length: number): number[] {
  const total = new Array<number>(length).fill(0);
  for (const vector of vectors) vector.forEach((value, index) => (total[index] = (total[index] as number) + value));
  return total;
}
