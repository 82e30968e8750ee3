import { upperRegularizedGamma } from '../cox/distributions.js';

/**
 * P(Z > z) for a standard normal Z, from erfc(u) = Q(1/2, u²) with u = z / √2. Accurate to about
 * 1e-14 relative in both tails, because the upper tail is never formed as 1 − (something close to 1).
 */
export function normalUpperTail(z: number): number {
  if (Number.isNaN(z)) {
    return Number.NaN;
  }
  const half = 0.5 * upperRegularizedGamma(0.5, (z * z) / 2);
  return z >= 0 ? half : 1 - half;
}

/** Standard normal density. */
function normalDensity(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/**
 * Computes the p quantile of the standard normal distribution, R's `qnorm(p)`. A rational start
 * (Abramowitz and Stegun 26.2.23, error below 4.5e-4) is refined by Newton steps on the upper tail
 * until they stop changing the value.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    throw new RangeError(`normalQuantile: p is ${p}; it must lie strictly between 0 and 1`);
  }
  if (p === 0.5) {
    return 0;
  }

  // Solve P(Z > z) = tail for z > 0, then restore the sign.
  const tail = p < 0.5 ? p : 1 - p;
  const t = Math.sqrt(-2 * Math.log(tail));
  let z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);

  for (let iteration = 0; iteration < 50; iteration += 1) {
    const step = (normalUpperTail(z) - tail) / normalDensity(z);
    z += step;
    if (Math.abs(step) <= 1e-15 * Math.abs(z)) {
      break;
    }
  }
  return p < 0.5 ? -z : z;
}
