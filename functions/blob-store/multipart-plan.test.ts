import { describe, expect, it } from 'vitest';
import { MULTIPART_PART_SIZE_BYTES, planMultipartUpload } from './multipart-plan.js';

const MiB = 1024 * 1024;

describe('planMultipartUpload', () => {
  it('splits 17 MiB into two 8 MiB parts and a 1 MiB remainder', () => {
    const plan = planMultipartUpload(17 * MiB);

    expect(plan.partSizeBytes).toBe(MULTIPART_PART_SIZE_BYTES);
    expect(plan.parts).toEqual([
      { partNumber: 1, start: 0, end: 8 * MiB },
      { partNumber: 2, start: 8 * MiB, end: 16 * MiB },
      { partNumber: 3, start: 16 * MiB, end: 17 * MiB },
    ]);
  });

  it('uses one part for a body of exactly 8 MiB', () => {
    expect(planMultipartUpload(8 * MiB).partCount).toBe(1);
  });

  it('grows the part size to stay within 10,000 parts', () => {
    const size = 100 * 1024 * MiB;

    const plan = planMultipartUpload(size);

    expect(plan.partCount).toBeLessThanOrEqual(10_000);
    expect(plan.partSizeBytes % MiB).toBe(0);
    expect(plan.parts.at(-1)?.end).toBe(size);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects a body size of %s', (size) => {
    expect(() => planMultipartUpload(size)).toThrow(RangeError);
  });
});
