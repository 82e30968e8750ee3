import type { NamedTensor, TensorMap, WeightDtype } from '../weights/tensor-map.js';

/**
 * Tensors as plain JSON, for server state kept in the database between rounds. Float values
 * round-trip exactly (a JSON number is the shortest decimal that reads back as the same double,
 * and a float32 widened to a double narrows back to itself); 64-bit integers travel as strings.
 */
export interface TensorJson {
  dtype: WeightDtype;
  shape: number[];
  data: number[] | string[];
}

export type TensorMapJson = Record<string, TensorJson>;

export function tensorMapToJson(tensors: TensorMap): TensorMapJson {
  const result: TensorMapJson = {};
  for (const name of Object.keys(tensors).sort()) {
    const tensor = tensors[name] as NamedTensor;
    result[name] = {
      dtype: tensor.dtype,
      shape: [...tensor.shape],
      data: tensor.dtype === 'I64' ? Array.from(tensor.data, (value) => value.toString()) : Array.from(tensor.data as ArrayLike<number>),
    };
  }
  return result;
}

export function tensorMapFromJson(json: TensorMapJson): TensorMap {
  const result: TensorMap = {};
  for (const [name, tensor] of Object.entries(json)) {
    const size = tensor.shape.reduce((product, dim) => product * dim, 1);
    if (tensor.data.length !== size) {
      throw new RangeError(`stored tensor "${name}" has ${tensor.data.length} values for shape [${tensor.shape.join(', ')}]; the job state is corrupt`);
    }
    switch (tensor.dtype) {
      case 'F64':
        result[name] = { dtype: 'F64', shape: tensor.shape, data: Float64Array.from(tensor.data as number[]) };
        break;
      case 'F32':
        result[name] = { dtype: 'F32', shape: tensor.shape, data: Float32Array.from(tensor.data as number[]) };
        break;
      case 'I32':
        result[name] = { dtype: 'I32', shape: tensor.shape, data: Int32Array.from(tensor.data as number[]) };
        break;
      case 'I64':
        result[name] = { dtype: 'I64', shape: tensor.shape, data: BigInt64Array.from((tensor.data as string[]).map((value) => BigInt(value))) };
        break;
    }
  }
  return result;
}
