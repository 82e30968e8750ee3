import { describe, expect, it } from 'vitest';

describe('test runner', () => {
  it('runs typescript tests', () => {
    expect(1 + 1).toBe(2);
  });
});
