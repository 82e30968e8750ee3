import { isFloatDtype, type NamedTensor, type TensorLayout, type TensorMap, type TensorSpec } from '../weights/tensor-map.js';
import { AggregationError } from './aggregation-error.js';
import { assertLayout, type ValidatedUpdate } from './validate-update.js';

/**
 * Weighting of floating-point tensors in the sum: by each site's sample count (FedAvg, Σ nᵢwᵢ
 * over Σ nᵢ) or equal (Σ wᵢ over the number of sites).
 */
export type UpdateWeighting = 'sample_count' | 'uniform';

export interface UpdateSum {
  /**
   * Floating-point tensors as F64 weighted sums Σ aᵢwᵢ (aᵢ = nᵢ or 1); integer tensors as their
   * exact unweighted sums in their own dtype, because they are counts.
   */
  sums: TensorMap;
  /** Σ aᵢ, the divisor of the weighted mean. */
  totalWeight: number;
  /** Σ nᵢ over the summed updates. */
  totalSamples: number;
  /** Sites whose updates were summed, in input order. */
  siteIds: string[];
}

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Sums validated updates tensor by tensor. Floating-point values are multiplied by the site's
 * weight and accumulate in float64, also for F32 tensors. Integer tensors are summed exactly,
 * without weights, and keep their dtype. Raises `AggregationError` instead of returning a sum that cannot
 * be used: no update, zero total weight, Σ nᵢ beyond a safe integer, a non-finite float sum, or an
 * integer sum outside its dtype.
 */
export function sumUpdates(
  updates: readonly ValidatedUpdate[],
  options: { layout: TensorLayout; weighting: UpdateWeighting },
): UpdateSum {
  if (updates.length === 0) {
    throw new AggregationError('no_valid_update', 'no valid update to sum; the previous model is kept');
  }
  if (options.weighting !== 'sample_count' && options.weighting !== 'uniform') {
    throw new AggregationError('invalid_options', `weighting "${String(options.weighting)}" is unknown; use "sample_count" or "uniform"`);
  }

  let totalSamples = 0;
  let totalWeight = 0;
  for (const update of updates) {
    assertLayout(update.tensors, options.layout, `the update from site "${update.siteId}"`);
    totalSamples += update.sampleCount;
    totalWeight += options.weighting === 'sample_count' ? update.sampleCount : 1;
  }
  if (!Number.isSafeInteger(totalSamples)) {
    throw new AggregationError(
      'sample_count_overflow',
      `the sample counts add up to ${totalSamples}, beyond ${Number.MAX_SAFE_INTEGER}; they cannot be counted exactly`,
    );
  }
  if (totalWeight <= 0) {
    throw new AggregationError('zero_total_weight', 'the update weights sum to zero; the previous model is kept');
  }

  const sums: TensorMap = {};
  for (const name of Object.keys(options.layout).sort()) {
    const spec = options.layout[name] as TensorSpec;
    sums[name] = isFloatDtype(spec.dtype)
      ? sumFloatTensor(name, spec, updates, options.weighting)
      : sumIntegerTensor(name, spec, updates);
  }

  return { sums, totalWeight, totalSamples, siteIds: updates.map((update) => update.siteId) };
}

/**
 * Divides the floating-point sums by the total weight, giving the (weighted) mean of the sites'
 * tensors as F64. Integer tensors are not averaged and are left out; read them from `sums`.
 */
export function meanOfFloatTensors(sum: UpdateSum): TensorMap {
  if (!(sum.totalWeight > 0)) {
    throw new AggregationError('zero_total_weight', `total weight is ${sum.totalWeight}; a mean needs a positive total`);
  }

  const means: TensorMap = {};
  for (const [name, tensor] of Object.entries(sum.sums)) {
    if (tensor.dtype !== 'F64') {
      continue;
    }
    const data = new Float64Array(tensor.data.length);
    for (let index = 0; index < data.length; index += 1) {
      data[index] = (tensor.data[index] as number) / sum.totalWeight;
    }
    assertFinite(name, data, 'the mean');
    means[name] = { dtype: 'F64', shape: [...tensor.shape], data };
  }
  return means;
}

function sumFloatTensor(
  name: string,
  spec: TensorSpec,
  updates: readonly ValidatedUpdate[],
  weighting: UpdateWeighting,
): NamedTensor {
  const size = spec.shape.reduce((product, dim) => product * dim, 1);
  const data = new Float64Array(size);

  for (const update of updates) {
    const weight = weighting === 'sample_count' ? update.sampleCount : 1;
    const values = (update.tensors[name] as NamedTensor).data as Float64Array | Float32Array;
    for (let index = 0; index < size; index += 1) {
      data[index] = (data[index] as number) + weight * (values[index] as number);
    }
  }

  assertFinite(name, data, 'the sum');
  return { dtype: 'F64', shape: [...spec.shape], data };
}

function sumIntegerTensor(name: string, spec: TensorSpec, updates: readonly ValidatedUpdate[]): NamedTensor {
  const size = spec.shape.reduce((product, dim) => product * dim, 1);
  const totals = new Array<bigint>(size).fill(0n);

  for (const update of updates) {
    const values = (update.tensors[name] as NamedTensor).data as BigInt64Array | Int32Array;
    for (let index = 0; index < size; index += 1) {
      totals[index] = (totals[index] as bigint) + BigInt(values[index] as number | bigint);
    }
  }

  const [min, max] = spec.dtype === 'I32' ? [INT32_MIN, INT32_MAX] : [INT64_MIN, INT64_MAX];
  const overflow = totals.findIndex((total) => total < min || total > max);
  if (overflow >= 0) {
    throw new AggregationError(
      'integer_overflow',
      `the sum of tensor "${name}" at index ${overflow} is ${totals[overflow]}, which does not fit ${spec.dtype}; ` +
        'send this count as I64',
    );
  }

  return spec.dtype === 'I32'
    ? { dtype: 'I32', shape: [...spec.shape], data: Int32Array.from(totals, (total) => Number(total)) }
    : { dtype: 'I64', shape: [...spec.shape], data: BigInt64Array.from(totals) };
}

/** Raises `non_finite_result` naming the tensor and index of the first NaN or infinite value. */
export function assertFinite(name: string, data: ArrayLike<number>, quantity: string): void {
  for (let index = 0; index < data.length; index += 1) {
    if (!Number.isFinite(data[index])) {
      throw new AggregationError(
        'non_finite_result',
        `${quantity} of tensor "${name}" is ${data[index]} at index ${index}; the previous model is kept`,
      );
    }
  }
}
