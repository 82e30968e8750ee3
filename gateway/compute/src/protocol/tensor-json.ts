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

/** Largest finite float32, named in the message for a JSON number that float32 cannot hold. */
const FLOAT32_MAX = 3.4028234663852886e38;

const DTYPES: readonly WeightDtype[] = ['F64', 'F32', 'I32', 'I64'];

/**
 * Reads a tensor map that a user sent as JSON (job options) and checks every part before use.
 * Each tensor needs a known dtype, a shape of whole numbers, and exactly as many values as the
 * shape holds, each finite and in its dtype's range. Throws a RangeError that starts with `what`
 * and names the tensor, the position and the value.
 */
export function parseTensorMapJson(value: unknown, what: string): TensorMap {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RangeError(`${what} must be an object of tensors by name, such as {"layer0.bias": {"dtype": "F32", "shape": [4], "data": [0, 0, 0, 0]}}`);
  }
  const checked: TensorMapJson = {};
  for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
    checked[name] = checkTensorJson(entry, `${what}["${name}"]`);
  }
  return tensorMapFromJson(checked);
}

function checkTensorJson(entry: unknown, where: string): TensorJson {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new RangeError(`${where} must be an object with dtype, shape and data`);
  }
  const { dtype, shape, data, ...extra } = entry as Record<string, unknown>;
  const unknownKeys = Object.keys(extra);
  if (unknownKeys.length > 0) {
    throw new RangeError(`${where} has unknown field(s) ${unknownKeys.map((key) => `"${key}"`).join(', ')}; a tensor has dtype, shape and data only`);
  }
  if (!DTYPES.includes(dtype as WeightDtype)) {
    throw new RangeError(`${where}.dtype is ${JSON.stringify(dtype)}; use one of ${DTYPES.map((name) => `"${name}"`).join(', ')}`);
  }
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && (dim as number) >= 0)) {
    throw new RangeError(`${where}.shape is ${JSON.stringify(shape)}; use an array of whole numbers such as [30, 64]`);
  }
  const size = (shape as number[]).reduce((product, dim) => product * dim, 1);
  if (!Array.isArray(data) || data.length !== size) {
    const received = Array.isArray(data) ? `${data.length} value${data.length === 1 ? '' : 's'}` : (JSON.stringify(data)?.slice(0, 40) ?? String(data));
    throw new RangeError(`${where}.data is ${received}; shape [${(shape as number[]).join(', ')}] needs an array of ${size} values`);
  }
  data.forEach((item: unknown, index) => {
    const problem = valueProblem(dtype as WeightDtype, item);
    if (problem) throw new RangeError(`${where}.data[${index}] is ${JSON.stringify(item)}; ${problem}`);
  });
  return { dtype: dtype as WeightDtype, shape: shape as number[], data: data as number[] | string[] };
}

/** Returns why a JSON value cannot be an element of `dtype`, or undefined when it can. */
function valueProblem(dtype: WeightDtype, item: unknown): string | undefined {
  if (dtype === 'I64') {
    return typeof item === 'string' && /^-?\d{1,19}$/.test(item) && BigInt.asIntN(64, BigInt(item)) === BigInt(item)
      ? undefined
      : 'I64 values are decimal strings of 64-bit integers, such as "42"';
  }
  if (typeof item !== 'number' || !Number.isFinite(item)) return 'use a finite number';
  // Math.fround rounds to the nearest float32, so a printed maximum such as 3.4028235e38 passes.
  if (dtype === 'F32' && !Number.isFinite(Math.fround(item))) return `F32 values must lie within ±${FLOAT32_MAX}`;
  if (dtype === 'I32' && !(Number.isInteger(item) && item >= -(2 ** 31) && item < 2 ** 31)) return 'I32 values are whole numbers within the 32-bit range';
  return undefined;
}
