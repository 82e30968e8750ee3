/**
 * Upper tail probabilities for the test statistics that Cox and logistic summaries report,
 * computed from the regularised incomplete gamma function (series below a + 1, Lentz's continued
 * fraction above, as in Press et al., Numerical Recipes, 3rd ed., section 6.2). Relative accuracy
 * is about 1e-14, far below the 1e-6 that comparisons with R need.
 */

const MAX_TERMS = 10_000;
const RELATIVE_EPSILON = 1e-16;
const TINY = 1e-300;

/** Lanczos approximation of log Γ(x) for x > 0 (g = 7, 9 coefficients). */
export function logGamma(x: number): number {
  if (!(x > 0)) {
    throw new RangeError(`logGamma: x is ${x}; it must be positive`);
  }
  if (x < 0.5) {
    // Reflection: Γ(x)Γ(1 - x) = π / sin(πx).
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const shifted = x - 1;
  let series = coefficients[0] as number;
  for (let k = 1; k < coefficients.length; k += 1) {
    series += (coefficients[k] as number) / (shifted + k);
  }
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(series);
}

/** Regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a). */
export function upperRegularizedGamma(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0) || !Number.isFinite(a)) {
    throw new RangeError(`upperRegularizedGamma: a = ${a}, x = ${x}; a must be positive and x non-negative`);
  }
  if (x === 0) {
    return 1;
  }
  if (x === Infinity) {
    return 0;
  }
  const logPrefix = a * Math.log(x) - x - logGamma(a);

  if (x < a + 1) {
    // Series for P(a, x); Q = 1 - P does not lose relative accuracy here because Q is not small.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_TERMS; n += 1) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * RELATIVE_EPSILON) {
        return 1 - sum * Math.exp(logPrefix);
      }
    }
    throw new Error(`upperRegularizedGamma: the series for a = ${a}, x = ${x} did not converge`);
  }

  // Continued fraction for Q(a, x), modified Lentz's method.
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let fraction = d;
  for (let n = 1; n < MAX_TERMS; n += 1) {
    const an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) {
      d = TINY;
    }
    c = b + an / c;
    if (Math.abs(c) < TINY) {
      c = TINY;
    }
    d = 1 / d;
    const delta = d * c;
    fraction *= delta;
    if (Math.abs(delta - 1) < RELATIVE_EPSILON) {
      return Math.exp(logPrefix) * fraction;
    }
  }
  throw new Error(`upperRegularizedGamma: the continued fraction for a = ${a}, x = ${x} did not converge`);
}

/** P(χ²_df > statistic), R's `pchisq(statistic, df, lower.tail = FALSE)`. */
export function chiSquareUpperTail(statistic: number, degreesOfFreedom: number): number {
  if (!(degreesOfFreedom > 0)) {
    throw new RangeError(`chiSquareUpperTail: degrees of freedom ${degreesOfFreedom}; use a positive number`);
  }
  if (Number.isNaN(statistic)) {
    return Number.NaN;
  }
  return statistic <= 0 ? 1 : upperRegularizedGamma(degreesOfFreedom / 2, statistic / 2);
}

/** Two-sided normal p-value P(|Z| > |z|) = P(χ²₁ > z²), R's `2 * pnorm(-abs(z))`. */
export function normalTwoSidedP(z: number): number {
  if (Number.isNaN(z)) {
    return Number.NaN;
  }
  return chiSquareUpperTail(z * z, 1);
}

/** The 0.975 quantile of the standard normal distribution, R's `qnorm(0.975)`. */
export const NORMAL_QUANTILE_975 = 1.959963984540054;
