/** Element types that Onsite graphs read and write. */
export type TensorDtype = 'float32' | 'float64' | 'int64' | 'int32' | 'bool';

export const TENSOR_DTYPES: readonly TensorDtype[] = ['float32', 'float64', 'int64', 'int32', 'bool'];

/** Bytes per element; ONNX stores bool as one byte per element. */
export const DTYPE_ITEM_SIZE: Record<TensorDtype, number> = {
  float32: 4,
  float64: 8,
  int64: 8,
  int32: 4,
  bool: 1,
};

/** Number of elements of a shape; the empty shape is a scalar with one element. */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) {
    size *= dim;
  }
  return size;
}

/** Throws unless every dimension is a non-negative safe integer. */
export function checkStaticShape(shape: readonly number[], context: string): void {
  for (const [index, dim] of shape.entries()) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new RangeError(`${context}: dimension ${index} is ${dim}; use a non-negative integer`);
    }
  }
}

/**
 * Encodes values as the fixed-width little-endian bytes of ONNX `raw_data`. Rejects values the
 * dtype cannot carry exactly: non-integers or out-of-range integers for int32/int64, bigints for
 * floating point, anything but 0 and 1 for bool.
 */
export function encodeTensorValues(
  dtype: TensorDtype,
  values: ArrayLike<number | bigint>,
  context: string,
): Uint8Array {
  const itemSize = DTYPE_ITEM_SIZE[dtype];
  const bytes = new Uint8Array(values.length * itemSize);
  const view = new DataView(bytes.buffer);

  for (let index = 0; index < values.length; index += 1) {
    const value = values[index] as number | bigint;
    const offset = index * itemSize;

    switch (dtype) {
      case 'float32':
      case 'float64': {
        if (typeof value !== 'number') {
          throw new TypeError(`${context}: element ${index} is a bigint; ${dtype} takes numbers`);
        }
        if (dtype === 'float32') {
          view.setFloat32(offset, value, true);
        } else {
          view.setFloat64(offset, value, true);
        }
        break;
      }
      case 'int64': {
        view.setBigInt64(offset, toInt64(value, index, context), true);
        break;
      }
      case 'int32': {
        const int = typeof value === 'bigint' ? Number(value) : value;
        if (!Number.isInteger(int) || int < -(2 ** 31) || int >= 2 ** 31) {
          throw new RangeError(`${context}: element ${index} is ${value}, which is not an int32`);
        }
        view.setInt32(offset, int, true);
        break;
      }
      case 'bool': {
        const flag = Number(value);
        if (flag !== 0 && flag !== 1) {
          throw new RangeError(`${context}: element ${index} is ${value}; bool takes 0 or 1`);
        }
        view.setUint8(offset, flag);
        break;
      }
    }
  }

  return bytes;
}

function toInt64(value: number | bigint, index: number, context: string): bigint {
  if (typeof value === 'bigint') {
    if (value < -(2n ** 63n) || value >= 2n ** 63n) {
      throw new RangeError(`${context}: element ${index} is ${value}, which is outside int64`);
    }
    return value;
  }
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${context}: element ${index} is ${value}; int64 takes safe integers or bigints`);
  }
  return BigInt(value);
}
