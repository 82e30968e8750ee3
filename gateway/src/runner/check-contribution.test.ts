import type { SiteContribution, TensorMap } from '@onsite/compute';
import { describe, expect, it } from 'vitest';

import { DEFAULT_SITE_POLICY, type SitePolicy } from '../policy/index.js';
import { checkContribution } from './check-contribution.js';

function vector(values: number[]): TensorMap[string] {
  return { dtype: 'F64', shape: [values.length], data: Float64Array.from(values) };
}

function contribution(overrides: Partial<SiteContribution> = {}): SiteContribution {
  return { tensors: { 'cox/score': vector([3, 4]) }, sampleCount: 120, metrics: { loglik: -410.5 }, ...overrides };
}

/** Binned Kaplan–Meier output with one group: events and censorings per time bin. */
function kaplanMeier(events: number[], censored: number[]): SiteContribution {
  return contribution({
    tensors: {
      'km/time': vector(events.map((_, index) => (index + 1) * 30)),
      'km/events': { dtype: 'F64', shape: [events.length, 1], data: Float64Array.from(events) },
      'km/censored': { dtype: 'F64', shape: [censored.length, 1], data: Float64Array.from(censored) },
    },
  });
}

const policy: SitePolicy = { ...DEFAULT_SITE_POLICY, allowedProjects: 'all' };

describe('checkContribution', () => {
  it('accepts a finite update of a large enough cohort', () => {
    expect(checkContribution(policy, 'cox_newton', contribution())).toEqual({ allowed: true });
  });

  it.each([
    { name: 'a zero sample count', output: contribution({ sampleCount: 0 }), code: 'invalid_task' },
    { name: 'a fractional sample count', output: contribution({ sampleCount: 12.5 }), code: 'invalid_task' },
    { name: 'a cohort under minCohortSize', output: contribution({ sampleCount: 9 }), code: 'cohort_too_small' },
    { name: 'a NaN metric', output: contribution({ metrics: { loglik: Number.NaN } }), code: 'update_not_finite' },
    { name: 'an infinite tensor value', output: contribution({ tensors: { 'km/time': vector([30, Number.POSITIVE_INFINITY]) } }), code: 'update_not_finite' },
    { name: 'no tensors at all', output: contribution({ tensors: {} }), code: 'invalid_task' },
  ])('rejects $name', ({ output, code }) => {
    const decision = checkContribution(policy, 'cox_newton', output);

    expect(decision).toMatchObject({ allowed: false, code });
  });

  it('bounds the norm of all tensors together', () => {
    // ‖(3, 4, 12)‖ = 13: each tensor alone is within 12.5, the whole update is not.
    const output = contribution({ tensors: { a: vector([3, 4]), b: vector([12]) } });

    expect(checkContribution({ ...policy, maxUpdateNorm: 13 }, 'cox_newton', output).allowed).toBe(true);
    expect(checkContribution({ ...policy, maxUpdateNorm: 12.5 }, 'cox_newton', output)).toMatchObject({ allowed: false, code: 'update_norm_too_large' });
  });

  it('rejects a binned Kaplan–Meier bin under minCellSize', () => {
    const decision = checkContribution(policy, 'kaplan_meier', kaplanMeier([4, 20, 0], [2, 5, 0]));

    expect(decision).toMatchObject({ allowed: false, code: 'small_cell' });
    // The reason goes to the cloud: it names the bound, not the count.
    expect(JSON.stringify(decision)).not.toMatch(/\b6\b/);
  });

  it('accepts binned Kaplan–Meier bins that are empty or large enough', () => {
    expect(checkContribution(policy, 'kaplan_meier', kaplanMeier([10, 0, 3], [5, 0, 7]))).toEqual({ allowed: true });
  });

  it('leaves exact Kaplan–Meier times to the policy that allowed them', () => {
    const exact = { ...policy, releaseExactEventTimes: true };

    expect(checkContribution(exact, 'kaplan_meier', kaplanMeier([1, 1, 2], [0, 1, 0]))).toEqual({ allowed: true });
  });
});
