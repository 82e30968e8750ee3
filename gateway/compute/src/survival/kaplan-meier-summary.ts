import { normalQuantile } from '../stats/normal-distribution.js';
import {
  checkKaplanMeierCounts,
  poolKaplanMeierGroups,
  selectKaplanMeierGroup,
  type KaplanMeierCounts,
} from './kaplan-meier-counts.js';

export interface KaplanMeierSummaryOptions {
  /** Times at which to report survival (a step function: the value at the last time ≤ t). */
  times?: readonly number[];
  /** Confidence level of the intervals; default 0.95. */
  confidenceLevel?: number;
  /** One group's curve; without it, all groups are pooled into one curve. */
  group?: string;
}

/** Survival read off the curve at a requested time. `null` where the curve is unknown there. */
export interface SurvivalAtTime {
  time: number;
  /** Rows still at risk at `time` (follow-up ≥ time). */
  nRisk: number;
  surv: number | null;
  /** Standard error of log survival (Greenwood). */
  stdErr: number | null;
  lower: number | null;
  upper: number | null;
}

/**
 * A Kaplan–Meier curve with the columns of R's `survfit` (survival 3.5): one entry per distinct
 * time with rows (censoring-only times included), Greenwood standard errors and log-transformed
 * intervals.
 */
export interface KaplanMeierSummary {
  group: string;
  /** Rows counted (the overflow row of binned counts included). */
  n: number;
  time: number[];
  nRisk: number[];
  nEvent: number[];
  nCensor: number[];
  surv: number[];
  /** Standard error of log survival, survfit's `std.err`; Infinity once the curve reaches 0. */
  stdErr: number[];
  /** Standard error of survival, `surv × stdErr` (summary.survfit's `std.err`); null once surv is 0. */
  stdErrSurv: (number | null)[];
  /** Log-transformed interval, `exp(log S ± z·stdErr)`, upper bound capped at 1; null where S is 0. */
  lower: (number | null)[];
  upper: (number | null)[];
  confidenceLevel: number;
  /** Median survival time and its interval, by R's rule (see `medianTime`); null if not reached. */
  median: number | null;
  medianLower: number | null;
  medianUpper: number | null;
  survivalAt: SurvivalAtTime[];
}

/**
 * Computes the Kaplan–Meier curve from summed counts, as R's
 * `survfit(Surv(time, status) ~ 1, conf.type = "log")` computes it from the rows:
 * S(t) = Π (1 − d/n) over times ≤ t, Greenwood's Σ d / (n (n − d)) for the variance of log S.
 *
 * With binned counts the overflow row (time `Infinity`) counts in the risk sets but is not listed.
 * Survival after the last grid point is reported as null when rows fell beyond it.
 */
export function summarizeKaplanMeier(counts: KaplanMeierCounts, options: KaplanMeierSummaryOptions = {}): KaplanMeierSummary {
  checkKaplanMeierCounts(counts);
  const confidenceLevel = options.confidenceLevel ?? 0.95;
  if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
    throw new RangeError(`confidenceLevel is ${confidenceLevel}; use a value strictly between 0 and 1, such as 0.95`);
  }
  const z = normalQuantile(1 - (1 - confidenceLevel) / 2);

  const curve = options.group === undefined ? poolKaplanMeierGroups(counts) : selectKaplanMeierGroup(counts, options.group);
  const n = sumAll(curve.events) + sumAll(curve.censored);

  const summary: KaplanMeierSummary = {
    group: curve.groups[0] as string,
    n,
    time: [],
    nRisk: [],
    nEvent: [],
    nCensor: [],
    surv: [],
    stdErr: [],
    stdErrSurv: [],
    lower: [],
    upper: [],
    confidenceLevel,
    median: null,
    medianLower: null,
    medianUpper: null,
    survivalAt: [],
  };

  let atRisk = n;
  let surv = 1;
  let greenwood = 0;
  for (let i = 0; i < curve.time.length; i += 1) {
    const time = curve.time[i] as number;
    const events = (curve.events[i] as number[])[0] as number;
    const censored = (curve.censored[i] as number[])[0] as number;
    if (time === Infinity) {
      break;
    }
    if (events + censored === 0) {
      // An empty bin (binned counts) or a time seen only in other groups: survfit lists neither.
      continue;
    }

    if (events > 0) {
      surv *= (atRisk - events) / atRisk;
      // Division by zero when every row at risk has the event gives Infinity, as survfit does.
      greenwood += events / (atRisk * (atRisk - events));
    }
    const stdErr = Math.sqrt(greenwood);
    const interval = logInterval(surv, stdErr, z);

    summary.time.push(time);
    summary.nRisk.push(atRisk);
    summary.nEvent.push(events);
    summary.nCensor.push(censored);
    summary.surv.push(surv);
    summary.stdErr.push(stdErr);
    summary.stdErrSurv.push(surv === 0 ? null : surv * stdErr);
    summary.lower.push(interval.lower);
    summary.upper.push(interval.upper);

    atRisk -= events + censored;
  }

  summary.median = medianTime(summary.surv, summary.time);
  summary.medianLower = medianTime(summary.lower, summary.time);
  summary.medianUpper = medianTime(summary.upper, summary.time);

  const overflowRows = n - sumListed(summary);
  summary.survivalAt = (options.times ?? []).map((time) => survivalAtTime(summary, curve, time, overflowRows > 0));
  return summary;
}

/** Curves for every group of the counts, in group order (R's `survfit(Surv(...) ~ group)`). */
export function summarizeKaplanMeierByGroup(
  counts: KaplanMeierCounts,
  options: Omit<KaplanMeierSummaryOptions, 'group'> = {},
): KaplanMeierSummary[] {
  return counts.groups.map((group) => summarizeKaplanMeier(counts, { ...options, group }));
}

/**
 * Finds the first time at which a decreasing curve is at or below 0.5, by the rule of survival's
 * `survmean` (survival 3.5). Values within √ε (about 1.5e-8) of 0.5 count as 0.5. When the curve
 * equals 0.5 over an interval, the result is the midpoint between the time it reached 0.5 and the
 * first time it dropped below. Applied to the lower and upper confidence curves it gives the
 * median's confidence limits. Null values (undefined interval bounds) are skipped; null means the
 * curve never reaches 0.5.
 */
export function medianTime(curve: readonly (number | null)[], time: readonly number[]): number | null {
  const tolerance = Math.sqrt(Number.EPSILON);
  const keptTimes: number[] = [];
  const keptValues: number[] = [];
  for (let i = 0; i < curve.length; i += 1) {
    const value = curve[i];
    if (value !== null && value !== undefined && !Number.isNaN(value) && value < 0.5 + tolerance) {
      keptTimes.push(time[i] as number);
      keptValues.push(value);
    }
  }

  const firstValue = keptValues[0];
  if (firstValue === undefined) {
    return null;
  }
  if (Math.abs(firstValue - 0.5) < tolerance) {
    const below = keptValues.findIndex((value) => value < firstValue);
    if (below >= 0) {
      return ((keptTimes[0] as number) + (keptTimes[below] as number)) / 2;
    }
  }
  return keptTimes[0] as number;
}

function logInterval(surv: number, stdErr: number, z: number): { lower: number | null; upper: number | null } {
  if (surv === 0) {
    return { lower: null, upper: null };
  }
  const logSurv = Math.log(surv);
  return { lower: Math.exp(logSurv - z * stdErr), upper: Math.min(Math.exp(logSurv + z * stdErr), 1) };
}

function survivalAtTime(
  summary: KaplanMeierSummary,
  curve: KaplanMeierCounts,
  time: number,
  hasOverflow: boolean,
): SurvivalAtTime {
  if (!Number.isFinite(time)) {
    throw new RangeError(`survival was requested at time ${time}; request finite times`);
  }

  // Rows at risk at `time`: follow-up at or after it, overflow row included.
  let nRisk = 0;
  for (let i = 0; i < curve.time.length; i += 1) {
    if ((curve.time[i] as number) >= time) {
      nRisk += ((curve.events[i] as number[])[0] as number) + ((curve.censored[i] as number[])[0] as number);
    }
  }

  const lastListed = summary.time[summary.time.length - 1];
  if (hasOverflow && (lastListed === undefined || time > lastListed)) {
    return { time, nRisk, surv: null, stdErr: null, lower: null, upper: null };
  }

  // Index of the last listed time ≤ `time`; before the first one the curve is 1 with no error.
  let index = -1;
  for (let i = 0; i < summary.time.length && (summary.time[i] as number) <= time; i += 1) {
    index = i;
  }
  if (index < 0) {
    return { time, nRisk, surv: 1, stdErr: 0, lower: 1, upper: 1 };
  }
  return {
    time,
    nRisk,
    surv: summary.surv[index] as number,
    stdErr: summary.stdErr[index] as number,
    lower: summary.lower[index] as number | null,
    upper: summary.upper[index] as number | null,
  };
}

function sumAll(rows: readonly number[][]): number {
  let sum = 0;
  for (const row of rows) {
    for (const value of row) {
      sum += value;
    }
  }
  return sum;
}

function sumListed(summary: KaplanMeierSummary): number {
  let sum = 0;
  for (let i = 0; i < summary.time.length; i += 1) {
    sum += (summary.nEvent[i] as number) + (summary.nCensor[i] as number);
  }
  return sum;
}
