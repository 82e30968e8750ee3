import { describe, expect, it } from 'vitest';

import type { TensorLayout, TensorMap } from '../weights/tensor-map.js';
import { AggregationError } from './aggregation-error.js';
import { validateUpdate, validateUpdates, type SiteUpdate, type UpdateValidationOptions } from './validate-update.js';

const LAYOUT: TensorLayout = {
  weight: { dtype: 'F64', shape: [2, 2] },
  bias: { dtype: 'F32', shape: [2] },
  events: { dtype: 'I64', shape: [3] },
};

function goodTensors(): TensorMap {
  return {
    weight: { dtype: 'F64', shape: [2, 2], data: new Float64Array([1, 2, 2, 0]) },
    bias: { dtype: 'F32', shape: [2], data: new Float32Array([0, 1]) },
    events: { dtype: 'I64', shape: [3], data: new BigInt64Array([4n, 0n, 9n]) },
  };
}

function update(overrides: Partial<SiteUpdate> = {}, tensors: Partial<Record<string, unknown>> = {}): SiteUpdate {
  const merged = { ...goodTensors(), ...tensors };
  for (const [name, tensor] of Object.entries(merged)) {
    if (tensor === undefined) {
      delete merged[name];
    }
  }
  return { siteId: 'site_a', sampleCount: 50, tensors: merged as TensorMap, ...overrides };
}

const OPTIONS: UpdateValidationOptions = { layout: LAYOUT, maxL2Norm: 10 };

describe('validateUpdate', () => {
  it('accepts an update matching the layout and returns its norm', () => {
    const result = validateUpdate(update(), OPTIONS);

    expect(result.ok).toBe(true);
    // ‖(1, 2, 2, 0, 0, 1)‖ = √10; integer tensors are counts and stay out of the norm.
    expect(result.ok ? result.l2Norm : undefined).toBeCloseTo(Math.sqrt(10), 14);
  });

  it('bounds the change from the reference model when one is given', () => {
    const reference = goodTensors();
    (reference.weight?.data as Float64Array)[0] = -2;

    const within = validateUpdate(update(), { layout: LAYOUT, maxL2Norm: 3.5, reference });
    const beyond = validateUpdate(update(), { layout: LAYOUT, maxL2Norm: 2.5, reference });

    expect(within.ok ? within.l2Norm : undefined).toBe(3);
    expect(beyond.ok ? [] : beyond.rejections.map((rejection) => rejection.reason)).toEqual([
      'L2 norm of the change from the global model is 3, above the bound 2.5',
    ]);
  });

  it('computes the norm of huge finite values without overflow', () => {
    const tensors = {
      weight: { dtype: 'F64', shape: [2, 2], data: new Float64Array([3e300, 4e300, 0, 0]) },
      bias: { dtype: 'F32', shape: [2], data: new Float32Array(2) },
    };

    const result = validateUpdate(update({}, tensors), { layout: LAYOUT, maxL2Norm: Infinity });

    expect(result.ok ? result.l2Norm : undefined).toBeCloseTo(5e300, -286);
  });

  it.each([
    {
      case: 'NaN weights',
      update: update({}, { weight: { dtype: 'F64', shape: [2, 2], data: new Float64Array([1, Number.NaN, 3, Number.NaN]) } }),
      code: 'non_finite_value',
      tensor: 'weight',
      reason: 'tensor "weight" has 2 non-finite values; the first is NaN at index 1',
    },
    {
      case: 'infinite float32 bias',
      update: update({}, { bias: { dtype: 'F32', shape: [2], data: new Float32Array([Infinity, 0]) } }),
      code: 'non_finite_value',
      tensor: 'bias',
      reason: 'tensor "bias" has 1 non-finite values; the first is Infinity at index 0',
    },
    {
      case: 'wrong shape',
      update: update({}, { weight: { dtype: 'F64', shape: [4], data: new Float64Array(4) } }),
      code: 'shape_mismatch',
      tensor: 'weight',
      reason: 'tensor "weight" has shape [4] but the model expects [2, 2]',
    },
    {
      case: 'data shorter than the shape',
      update: update({}, { weight: { dtype: 'F64', shape: [2, 2], data: new Float64Array(3) } }),
      code: 'shape_mismatch',
      tensor: 'weight',
      reason: 'tensor "weight" has shape [2, 2] (4 elements) but 3 values',
    },
    {
      case: 'wrong dtype',
      update: update({}, { bias: { dtype: 'F64', shape: [2], data: new Float64Array(2) } }),
      code: 'dtype_mismatch',
      tensor: 'bias',
      reason: 'tensor "bias" is F64 but the model expects F32',
    },
    {
      case: 'data array not matching the dtype',
      update: update({}, { bias: { dtype: 'F32', shape: [2], data: new Float64Array(2) } }),
      code: 'dtype_mismatch',
      tensor: 'bias',
      reason: 'tensor "bias" is declared F32 but its data is a Float64Array; use a Float32Array',
    },
    {
      case: 'integer counts sent as floats',
      update: update({}, { events: { dtype: 'F64', shape: [3], data: new Float64Array(3) } }),
      code: 'dtype_mismatch',
      tensor: 'events',
      reason: 'tensor "events" is F64 but the model expects I64',
    },
    {
      case: 'missing tensor',
      update: update({}, { bias: undefined }),
      code: 'missing_tensor',
      tensor: 'bias',
      reason: 'tensor "bias" is missing from the update',
    },
    {
      case: 'unexpected tensor',
      update: update({}, { extra: { dtype: 'F64', shape: [1], data: new Float64Array(1) } }),
      code: 'unexpected_tensor',
      tensor: 'extra',
      reason: 'tensor "extra" is not part of the model',
    },
    {
      case: 'norm too large',
      update: update({}, { weight: { dtype: 'F64', shape: [2, 2], data: new Float64Array([6, 8, 0, 0]) } }),
      code: 'norm_too_large',
      tensor: undefined,
      reason: 'L2 norm of the update is 10.04987562112089, above the bound 10',
    },
    {
      case: 'zero sample count',
      update: update({ sampleCount: 0 }),
      code: 'invalid_sample_count',
      tensor: undefined,
      reason: 'sample count 0 is invalid; it must be a positive integer no larger than 9007199254740991',
    },
    {
      case: 'fractional sample count',
      update: update({ sampleCount: 2.5 }),
      code: 'invalid_sample_count',
      tensor: undefined,
      reason: 'sample count 2.5 is invalid; it must be a positive integer no larger than 9007199254740991',
    },
    {
      case: 'unsafe sample count',
      update: update({ sampleCount: 2 ** 53 }),
      code: 'invalid_sample_count',
      tensor: undefined,
      reason: 'sample count 9007199254740992 is invalid; it must be a positive integer no larger than 9007199254740991',
    },
    {
      case: 'empty site id',
      update: update({ siteId: '' }),
      code: 'invalid_site_id',
      tensor: undefined,
      reason: 'site id "" is invalid; every update needs a non-empty site id',
    },
  ])('rejects update with $case', ({ update: candidate, code, tensor, reason }) => {
    const result = validateUpdate(candidate, OPTIONS);

    expect(result.ok).toBe(false);
    const rejections = result.ok ? [] : result.rejections;
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toEqual(
      tensor === undefined ? { siteId: candidate.siteId, code, reason } : { siteId: candidate.siteId, code, tensor, reason },
    );
  });

  it('reports every problem of an update at once', () => {
    const result = validateUpdate(
      update({ sampleCount: -1 }, { bias: undefined, weight: { dtype: 'F64', shape: [3], data: new Float64Array(3) } }),
      OPTIONS,
    );

    expect(result.ok ? [] : result.rejections.map((rejection) => rejection.code)).toEqual([
      'invalid_sample_count',
      'missing_tensor',
      'shape_mismatch',
    ]);
  });

  it.each([
    { case: 'zero', maxL2Norm: 0 },
    { case: 'negative', maxL2Norm: -1 },
    { case: 'NaN', maxL2Norm: Number.NaN },
  ])('raises invalid_options for a $case norm bound', ({ maxL2Norm }) => {
    expect(() => validateUpdate(update(), { layout: LAYOUT, maxL2Norm })).toThrow(AggregationError);
    expect(() => validateUpdate(update(), { layout: LAYOUT, maxL2Norm })).toThrow(/maxL2Norm is/);
  });

  it('raises layout_mismatch for a reference model of another layout', () => {
    const reference = { weight: goodTensors().weight } as TensorMap;

    expect(() => validateUpdate(update(), { ...OPTIONS, reference })).toThrow(
      /the reference model does not match the model layout \(missing: bias, events; unexpected: none\)/,
    );
  });
});

describe('validateUpdates', () => {
  it('keeps valid updates and rejects the rest', () => {
    const { accepted, rejections } = validateUpdates(
      [
        update({ siteId: 'site_a' }),
        update({ siteId: 'site_b', sampleCount: 0 }),
        update({ siteId: 'site_c' }),
      ],
      OPTIONS,
    );

    expect(accepted.map((item) => item.siteId)).toEqual(['site_a', 'site_c']);
    expect(rejections.map((item) => [item.siteId, item.code])).toEqual([['site_b', 'invalid_sample_count']]);
  });

  it('rejects a second update from the same site', () => {
    const { accepted, rejections } = validateUpdates(
      [update({ siteId: 'site_a', sampleCount: 0 }), update({ siteId: 'site_a' })],
      OPTIONS,
    );

    expect(accepted).toEqual([]);
    expect(rejections.map((item) => item.code)).toEqual(['invalid_sample_count', 'duplicate_site']);
  });
});
