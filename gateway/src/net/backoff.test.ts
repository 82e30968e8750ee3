import { describe, expect, it } from 'vitest';

import { backoffDelay, retryWithBackoff, type Clock } from './backoff.js';

/** Creates a clock whose sleep only advances the time it reports. */
function createFakeClock(): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (milliseconds) => {
      sleeps.push(milliseconds);
      now += milliseconds;
    },
  };
}

const almostOne = () => 0.999_999;

describe('backoffDelay', () => {
  it.each([
    { attempt: 0, ceiling: 1000 },
    { attempt: 1, ceiling: 2000 },
    { attempt: 5, ceiling: 32_000 },
    { attempt: 8, ceiling: 256_000 },
    { attempt: 9, ceiling: 300_000 },
    { attempt: 2000, ceiling: 300_000 },
  ])('stays below $ceiling ms at attempt $attempt', ({ attempt, ceiling }) => {
    expect(backoffDelay(attempt, { random: almostOne })).toBe(ceiling - 1);
    expect(backoffDelay(attempt, { random: () => 0 })).toBe(0);
  });

  it('scales the random fraction linearly', () => {
    expect(backoffDelay(3, { baseDelayMs: 100, random: () => 0.5 })).toBe(400);
  });

  it('stays within bounds for many random draws', () => {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const delay = backoffDelay(attempt, { baseDelayMs: 50, maxDelayMs: 10_000 });
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(10_000, 50 * 2 ** attempt));
    }
  });

  it.each([
    { case: 'a negative attempt', attempt: -1, options: {}, message: 'attempt must be a non-negative integer' },
    { case: 'a zero base delay', attempt: 0, options: { baseDelayMs: 0 }, message: 'invalid backoff options' },
    { case: 'a cap below the base', attempt: 0, options: { baseDelayMs: 10, maxDelayMs: 5 }, message: 'invalid backoff options' },
    { case: 'a random source returning 1', attempt: 0, options: { random: () => 1 }, message: 'must return a number in [0, 1)' },
  ])('rejects $case', ({ attempt, options, message }) => {
    expect(() => backoffDelay(attempt, options)).toThrow(message);
  });
});

describe('retryWithBackoff', () => {
  it('retries until the operation succeeds', async () => {
    const clock = createFakeClock();
    let calls = 0;

    const result = await retryWithBackoff(
      async () => {
        calls += 1;
        if (calls < 4) {
          throw new Error('network unreachable');
        }
        return 'done';
      },
      { clock, random: () => 0.5, baseDelayMs: 100 },
    );

    expect(result).toBe('done');
    expect(clock.sleeps).toEqual([50, 100, 200]);
  });

  it('rethrows after the last retry', async () => {
    const clock = createFakeClock();

    const run = retryWithBackoff(
      async () => {
        throw new Error('still down');
      },
      { clock, maxRetries: 2, random: () => 0 },
    );

    await expect(run).rejects.toThrow('still down');
    expect(clock.sleeps).toHaveLength(2);
  });

  it('does not retry an error the caller marks final', async () => {
    const clock = createFakeClock();
    let calls = 0;

    const run = retryWithBackoff(
      async () => {
        calls += 1;
        throw new Error('401 unauthorized');
      },
      { clock, shouldRetry: () => false },
    );

    await expect(run).rejects.toThrow('401 unauthorized');
    expect(calls).toBe(1);
  });

  it('stops before the elapsed-time budget is spent', async () => {
    const clock = createFakeClock();

    const run = retryWithBackoff(
      async () => {
        throw new Error('timed out');
      },
      { clock, random: almostOne, baseDelayMs: 1000, maxElapsedMs: 5000 },
    );

    await expect(run).rejects.toThrow('timed out');
    expect(clock.sleeps.reduce((total, sleep) => total + sleep, 0)).toBeLessThanOrEqual(5000);
    expect(clock.sleeps).toEqual([999, 1999]);
  });

  it('reports each retry before waiting', async () => {
    const clock = createFakeClock();
    const retries: number[] = [];

    await retryWithBackoff(
      async (attempt) => {
        if (attempt < 2) {
          throw new Error('busy');
        }
      },
      { clock, random: () => 0, onRetry: ({ attempt }) => retries.push(attempt) },
    );

    expect(retries).toEqual([0, 1]);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    const clock = createFakeClock();

    const run = retryWithBackoff(
      async () => {
        controller.abort(new Error('shutting down'));
        throw new Error('offline');
      },
      { clock, signal: controller.signal, random: () => 0 },
    );

    await expect(run).rejects.toThrow('shutting down');
  });
});
