import type { TensorDtype } from '../onnx/tensor-bytes.js';
import type { TensorValue } from '../onnx/run-graph.js';

/** Element types of the weights format, spelled as safetensors spells them. */
export type WeightDtype = 'F64' | 'F32' | 'I64' | 'I32';

export const WEIGHT_DTYPES: readonly WeightDtype[] = ['F64', 'F32', 'I64', 'I32'];

export const WEIGHT_ITEM_SIZE: Record<WeightDtype, number> = { F64: 8, F32: 4, I64: 8, I32: 4 };

/** One named tensor of a weights file: row-major data with its dtype and shape. */
export type NamedTensor =
  | { dtype: 'F64'; shape: number[]; data: Float64Array }
  | { dtype: 'F32'; shape: number[]; data: Float32Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array };

/** Tensors by name: model weights, a site's update, or optimiser state. */
export type TensorMap = Record<string, NamedTensor>;

/** Expected dtype and shape of one tensor. */
export interface TensorSpec {
  dtype: WeightDtype;
  shape: number[];
}

/** Expected tensors of a model by name, against which updates are validated. */
export type TensorLayout = Record<string, TensorSpec>;

const TO_TENSOR_DTYPE: Record<WeightDtype, TensorDtype> = {
  F64: 'float64',
  F32: 'float32',
  I64: 'int64',
  I32: 'int32',
};

/** True for F64 and F32, the dtypes that are weighted, averaged and optimised. */
export function isFloatDtype(dtype: WeightDtype): dtype is 'F64' | 'F32' {
  return dtype === 'F64' || dtype === 'F32';
}

/** Returns the layout (dtype and shape per name) of a tensor map. */
export function layoutOf(tensors: TensorMap): TensorLayout {
  const layout: TensorLayout = {};
  for (const name of Object.keys(tensors).sort()) {
    const tensor = tensors[name] as NamedTensor;
    layout[name] = { dtype: tensor.dtype, shape: [...tensor.shape] };
  }
  return layout;
}

/** Allocates a zero-filled tensor of the given dtype and shape. */
export function zerosTensor(dtype: WeightDtype, shape: number[]): NamedTensor {
  const size = shape.reduce((product, dim) => product * dim, 1);
  switch (dtype) {
    case 'F64':
      return { dtype, shape: [...shape], data: new Float64Array(size) };
    case 'F32':
      return { dtype, shape: [...shape], data: new Float32Array(size) };
    case 'I64':
      return { dtype, shape: [...shape], data: new BigInt64Array(size) };
    case 'I32':
      return { dtype, shape: [...shape], data: new Int32Array(size) };
  }
}

/** Converts a weights tensor to the form `runGraph` takes as a feed (the data is shared, not copied). */
export function toTensorValue(tensor: NamedTensor): TensorValue {
  return { dtype: TO_TENSOR_DTYPE[tensor.dtype], dims: [...tensor.shape], data: tensor.data };
}

/** Converts a `runGraph` output to a weights tensor (the data is shared, not copied). */
export function fromTensorValue(name: string, value: TensorValue): NamedTensor {
  switch (value.dtype) {
    case 'float64':
      return { dtype: 'F64', shape: [...value.dims], data: value.data as Float64Array };
    case 'float32':
      return { dtype: 'F32', shape: [...value.dims], data: value.data as Float32Array };
    case 'int64':
      return { dtype: 'I64', shape: [...value.dims], data: value.data as BigInt64Array };
    case 'int32':
      return { dtype: 'I32', shape: [...value.dims], data: value.data as Int32Array };
    case 'bool':
      throw new TypeError(`fromTensorValue: "${name}" is bool, which the weights format does not store; cast it to int32`);
  }
}
