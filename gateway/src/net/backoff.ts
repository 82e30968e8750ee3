import { setTimeout as delay } from 'node:timers/promises';

/**
 * Exponential backoff with full jitter: before retry `attempt` (0-based) the caller waits a
 * uniformly random time in [0, min(maxDelayMs, baseDelayMs * factor^attempt)). Full jitter spreads
 * out the retries of many gateways that lost the network at the same moment, so they do not all
 * hit the cloud again together.
 */
export interface BackoffOptions {
  /** Upper bound of the first delay, in milliseconds (default 1000). */
  baseDelayMs?: number;
  /** Cap on every delay's upper bound, in milliseconds (default 300 000, five minutes). */
  maxDelayMs?: number;
  /** Growth of the upper bound per attempt (default 2). */
  factor?: number;
  /** Uniform random source in [0, 1) (default `Math.random`); tests pass a fixed one. */
  random?: () => number;
}

/** Returns the delay, in milliseconds, before retry `attempt` (0-based). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 300_000;
  const factor = options.factor ?? 2;
  const random = options.random ?? Math.random;

  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`backoff attempt must be a non-negative integer, got ${attempt}`);
  }
  if (!(baseDelayMs > 0) || !(maxDelayMs >= baseDelayMs) || !(factor >= 1)) {
    throw new RangeError(
      `invalid backoff options: baseDelayMs ${baseDelayMs} must be positive, maxDelayMs ${maxDelayMs} at least baseDelayMs, factor ${factor} at least 1`,
    );
  }

  // For large attempts the power overflows to Infinity, which Math.min still caps at maxDelayMs.
  const ceiling = Math.min(maxDelayMs, baseDelayMs * factor ** attempt);
  const fraction = random();
  if (!(fraction >= 0 && fraction < 1)) {
    throw new RangeError(`backoff random source must return a number in [0, 1), got ${fraction}`);
  }
  return Math.floor(fraction * ceiling);
}

/** A clock that tests can replace, so that no test sleeps for real. */
export interface Clock {
  now(): number;
  sleep(milliseconds: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (milliseconds, signal) => {
    await delay(milliseconds, undefined, signal === undefined ? undefined : { signal });
  },
};

export interface RetryOptions extends BackoffOptions {
  /** Number of retries after the first attempt (default unlimited). */
  maxRetries?: number;
  /** Stop retrying once this much time has passed since the first attempt, in milliseconds. */
  maxElapsedMs?: number;
  /** Whether an error is worth retrying (default: every error). */
  shouldRetry?: (error: unknown) => boolean;
  /** Called before each wait, for logging. */
  onRetry?: (details: { attempt: number; delayMs: number; error: unknown }) => void;
  clock?: Clock;
  signal?: AbortSignal;
}

/**
 * Runs `operation` until it succeeds, waiting a backoff delay between failures. Rethrows the last
 * error when it is not retryable, when `maxRetries` or `maxElapsedMs` is reached, or when
 * `signal` aborts.
 */
export async function retryWithBackoff<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const clock = options.clock ?? systemClock;
  const maxRetries = options.maxRetries ?? Number.POSITIVE_INFINITY;
  const startedAt = clock.now();

  for (let attempt = 0; ; attempt += 1) {
    options.signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= maxRetries || !(options.shouldRetry?.(error) ?? true)) {
        throw error;
      }
      const delayMs = backoffDelay(attempt, options);
      if (options.maxElapsedMs !== undefined && clock.now() - startedAt + delayMs > options.maxElapsedMs) {
        throw error;
      }
      options.onRetry?.({ attempt, delayMs, error });
      await clock.sleep(delayMs, options.signal);
    }
  }
}
