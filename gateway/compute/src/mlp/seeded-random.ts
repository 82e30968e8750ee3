/**
 * A small seeded pseudo-random generator (Mulberry32, by Tommy Ettinger: a 32-bit state advanced
 * by a Weyl sequence and mixed by multiply-xorshift). It is not cryptographic. It gives the same
 * sequence for the same seed on every platform, which weight initialisation and mini-batch
 * shuffling need so that every run of a job can be reproduced.
 */
export interface SeededRandom {
  /** Uniform on [0, 1) with 32 random bits. */
  uniform(): number;
  /** Shuffles in place (Fisher–Yates) and returns the array. */
  shuffle<T>(values: T[]): T[];
}

/** Creates a generator; seeds are taken modulo 2³². */
export function createSeededRandom(seed: number): SeededRandom {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`createSeededRandom: seed ${seed} is not a safe integer`);
  }
  let state = seed >>> 0;

  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };

  const shuffle = <T>(values: T[]): T[] => {
    for (let i = values.length - 1; i > 0; i -= 1) {
      const j = Math.floor(uniform() * (i + 1));
      const held = values[i] as T;
      values[i] = values[j] as T;
      values[j] = held;
    }
    return values;
  };

  return { uniform, shuffle };
}

/** Derives a seed for one site and round from a job seed, so that sites shuffle independently. */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let hash = (seed >>> 0) ^ 0x9e3779b9;
  for (const part of parts) {
    hash = Math.imul(hash ^ (part >>> 0), 0x85ebca6b) >>> 0;
    hash = (hash ^ (hash >>> 13)) >>> 0;
  }
  return hash;
}
