import {
  isFloatDtype,
  type NamedTensor,
  type TensorLayout,
  type TensorMap,
  type TensorSpec,
} from '../weights/tensor-map.js';
import { AggregationError } from './aggregation-error.js';

/** One site's result for a round: its tensors and the number of samples behind them. */
export interface SiteUpdate {
  siteId: string;
  /** Number of training samples (rows) the site used; the FedAvg weight nᵢ. */
  sampleCount: number;
  tensors: TensorMap;
}

declare const validatedBrand: unique symbol;

/** A site update that passed `validateUpdate`; only these can be summed. */
export type ValidatedUpdate = SiteUpdate & { readonly [validatedBrand]: true };

export const UPDATE_REJECTION_CODES = [
  'invalid_site_id',
  'duplicate_site',
  'invalid_sample_count',
  'missing_tensor',
  'unexpected_tensor',
  'dtype_mismatch',
  'shape_mismatch',
  'non_finite_value',
  'norm_too_large',
] as const;
export type UpdateRejectionCode = (typeof UPDATE_REJECTION_CODES)[number];

/** One reason an update was left out of the sum. `reason` names the tensor or value involved. */
export interface UpdateRejection {
  siteId: string;
  code: UpdateRejectionCode;
  /** The tensor concerned, when the problem is in one tensor. */
  tensor?: string;
  reason: string;
}

export type UpdateValidationResult =
  | { ok: true; update: ValidatedUpdate; l2Norm: number }
  | { ok: false; rejections: UpdateRejection[] };

export interface UpdateValidationOptions {
  /** Names, dtypes and shapes every update must have, no more and no fewer. */
  layout: TensorLayout;
  /**
   * Upper bound on the L2 norm of the update's floating-point tensors, taken together (or of their
   * difference from `reference` when given). Pass `Infinity` to disable the bound deliberately.
   */
  maxL2Norm: number;
  /**
   * The global model the sites started from. With it, the norm bounds the change a site made
   * (‖wᵢ − w‖) rather than the size of its weights.
   */
  reference?: TensorMap;
}

/**
 * Checks one update before it may enter a sum: a non-empty site id, a positive safe-integer
 * sample count, exactly the layout's tensor names with their dtypes and shapes, finite values,
 * and an L2 norm within the bound. Returns every problem found, so a site operator sees them all
 * at once; the norm is checked only when the tensors themselves are sound.
 */
export function validateUpdate(update: SiteUpdate, options: UpdateValidationOptions): UpdateValidationResult {
  checkOptions(options);
  const siteId = typeof update.siteId === 'string' ? update.siteId : String(update.siteId);
  const rejections: UpdateRejection[] = [];
  const reject = (code: UpdateRejectionCode, reason: string, tensor?: string) => {
    rejections.push(tensor === undefined ? { siteId, code, reason } : { siteId, code, tensor, reason });
  };

  if (typeof update.siteId !== 'string' || update.siteId.length === 0) {
    reject('invalid_site_id', `site id ${JSON.stringify(update.siteId)} is invalid; every update needs a non-empty site id`);
  }
  if (!Number.isSafeInteger(update.sampleCount) || update.sampleCount <= 0) {
    reject(
      'invalid_sample_count',
      `sample count ${update.sampleCount} is invalid; it must be a positive integer no larger than ${Number.MAX_SAFE_INTEGER}`,
    );
  }

  const tensors = update.tensors ?? {};
  for (const name of Object.keys(options.layout).sort()) {
    if (!Object.hasOwn(tensors, name)) {
      reject('missing_tensor', `tensor "${name}" is missing from the update`, name);
    }
  }
  for (const name of Object.keys(tensors).sort()) {
    const spec = Object.hasOwn(options.layout, name) ? options.layout[name] : undefined;
    if (spec === undefined) {
      reject('unexpected_tensor', `tensor "${name}" is not part of the model`, name);
      continue;
    }
    const problem = checkTensor(name, tensors[name] as NamedTensor, spec);
    if (problem !== undefined) {
      reject(problem.code, problem.reason, name);
    }
  }

  if (rejections.length > 0) {
    return { ok: false, rejections };
  }

  const l2Norm = floatL2Norm(tensors, options.layout, options.reference);
  if (!(l2Norm <= options.maxL2Norm)) {
    const of = options.reference === undefined ? 'the update' : 'the change from the global model';
    reject('norm_too_large', `L2 norm of ${of} is ${l2Norm}, above the bound ${options.maxL2Norm}`);
    return { ok: false, rejections };
  }

  return { ok: true, update: update as ValidatedUpdate, l2Norm };
}

/**
 * Validates every update of a round and returns the ones that can be summed. Updates that fail
 * are returned as rejections. So is every update after the first from the same site, even when
 * the first one failed.
 */
export function validateUpdates(
  updates: readonly SiteUpdate[],
  options: UpdateValidationOptions,
): { accepted: ValidatedUpdate[]; rejections: UpdateRejection[] } {
  const accepted: ValidatedUpdate[] = [];
  const rejections: UpdateRejection[] = [];
  const seen = new Set<string>();

  for (const update of updates) {
    if (seen.has(update.siteId)) {
      rejections.push({
        siteId: update.siteId,
        code: 'duplicate_site',
        reason: `site "${update.siteId}" sent more than one update this round; only the first is considered`,
      });
      continue;
    }
    seen.add(update.siteId);
    const result = validateUpdate(update, options);
    if (result.ok) {
      accepted.push(result.update);
    } else {
      rejections.push(...result.rejections);
    }
  }

  return { accepted, rejections };
}

/** Throws `layout_mismatch` unless the tensors have exactly the layout's names, dtypes and shapes. */
export function assertLayout(tensors: TensorMap, layout: TensorLayout, subject: string): void {
  const expected = Object.keys(layout).sort();
  const actual = Object.keys(tensors).sort();
  const missing = expected.filter((name) => !Object.hasOwn(tensors, name));
  const extra = actual.filter((name) => !Object.hasOwn(layout, name));
  if (missing.length > 0 || extra.length > 0) {
    throw new AggregationError(
      'layout_mismatch',
      `${subject} does not match the model layout (missing: ${missing.join(', ') || 'none'}; unexpected: ${extra.join(', ') || 'none'})`,
    );
  }
  for (const name of expected) {
    const problem = checkTensor(name, tensors[name] as NamedTensor, layout[name] as TensorSpec);
    if (problem !== undefined) {
      throw new AggregationError('layout_mismatch', `${subject}: ${problem.reason}`);
    }
  }
}

const DATA_ARRAYS = {
  F64: Float64Array,
  F32: Float32Array,
  I64: BigInt64Array,
  I32: Int32Array,
} as const;

function checkTensor(
  name: string,
  tensor: NamedTensor,
  spec: TensorSpec,
): { code: UpdateRejectionCode; reason: string } | undefined {
  if (tensor === null || typeof tensor !== 'object') {
    return { code: 'dtype_mismatch', reason: `tensor "${name}" is not a tensor` };
  }
  if (tensor.dtype !== spec.dtype) {
    return {
      code: 'dtype_mismatch',
      reason: `tensor "${name}" is ${String(tensor.dtype)} but the model expects ${spec.dtype}`,
    };
  }
  const arrayType = DATA_ARRAYS[spec.dtype];
  if (!(tensor.data instanceof arrayType)) {
    const actual = (tensor.data as object | undefined)?.constructor?.name ?? String(tensor.data);
    return {
      code: 'dtype_mismatch',
      reason: `tensor "${name}" is declared ${spec.dtype} but its data is a ${actual}; use a ${arrayType.name}`,
    };
  }
  const shapeMatches =
    Array.isArray(tensor.shape) &&
    tensor.shape.length === spec.shape.length &&
    tensor.shape.every((dim, index) => dim === spec.shape[index]);
  if (!shapeMatches) {
    return {
      code: 'shape_mismatch',
      reason: `tensor "${name}" has shape [${String(tensor.shape)}] but the model expects [${spec.shape.join(', ')}]`,
    };
  }
  const size = spec.shape.reduce((product, dim) => product * dim, 1);
  if (tensor.data.length !== size) {
    return {
      code: 'shape_mismatch',
      reason: `tensor "${name}" has shape [${spec.shape.join(', ')}] (${size} elements) but ${tensor.data.length} values`,
    };
  }
  if (isFloatDtype(spec.dtype)) {
    const data = tensor.data as Float64Array | Float32Array;
    const count = countNonFinite(data);
    if (count > 0) {
      const first = data.findIndex((value) => !Number.isFinite(value));
      return {
        code: 'non_finite_value',
        reason: `tensor "${name}" has ${count} non-finite values; the first is ${data[first]} at index ${first}`,
      };
    }
  }
  return undefined;
}

function countNonFinite(data: Float64Array | Float32Array): number {
  let count = 0;
  for (const value of data) {
    if (!Number.isFinite(value)) {
      count += 1;
    }
  }
  return count;
}

/**
 * L2 norm over all floating-point tensors, computed with a running scale (as LAPACK's dnrm2 does)
 * so that squares of large finite values do not overflow to Infinity.
 */
function floatL2Norm(tensors: TensorMap, layout: TensorLayout, reference: TensorMap | undefined): number {
  let scale = 0;
  let sumOfSquares = 1;

  for (const name of Object.keys(layout).sort()) {
    const spec = layout[name] as TensorSpec;
    if (!isFloatDtype(spec.dtype)) {
      continue;
    }
    const data = (tensors[name] as NamedTensor).data as Float64Array | Float32Array;
    const base = reference?.[name]?.data as Float64Array | Float32Array | undefined;

    for (let index = 0; index < data.length; index += 1) {
      const value = Math.abs((data[index] as number) - (base === undefined ? 0 : (base[index] as number)));
      if (value === 0) {
        continue;
      }
      if (scale < value) {
        sumOfSquares = 1 + sumOfSquares * (scale / value) ** 2;
        scale = value;
      } else {
        sumOfSquares += (value / scale) ** 2;
      }
    }
  }

  return scale * Math.sqrt(sumOfSquares);
}

function checkOptions(options: UpdateValidationOptions): void {
  if (typeof options.maxL2Norm !== 'number' || Number.isNaN(options.maxL2Norm) || options.maxL2Norm <= 0) {
    throw new AggregationError(
      'invalid_options',
      `maxL2Norm is ${options.maxL2Norm}; use a positive number, or Infinity to disable the bound`,
    );
  }
  if (options.reference !== undefined) {
    assertLayout(options.reference, options.layout, 'the reference model');
  }
}
