/**
 * Site-side preparation of survival data for the Cox site graph. The graph computes risk-set sums
 * by cumulative sums over rows sorted by time, so the site sorts its rows by ascending time here and
 * describes each row's tie group (rows with exactly the same time) by index. Only sorting and
 * indexing happen here; every sum and product is in the graph.
 */

/** Survival rows as the gateway's design-matrix builder produces them; columns found by name. */
export interface SurvivalRows {
  /** Covariate names of the columns of `x`, in column order. */
  layout: readonly string[];
  n: number;
  /** Row-major n × layout.length matrix. */
  x: Float64Array;
  /** Follow-up time of each row, any unit. */
  time: Float64Array;
  /** 1 for an event, 0 for a censored row. */
  event: Float64Array;
}

/** Rows sorted by ascending time, with the covariates in the model's layout order. */
export interface CoxSiteData {
  layout: string[];
  n: number;
  nEvents: number;
  /** Row-major n × p matrix in the model's layout order. */
  x: Float64Array;
  time: Float64Array;
  event: Float64Array;
  /** Index of the first row of each row's tie group: its risk set is rows tieStart[i]..n-1. */
  tieStart: BigInt64Array;
  /** Index one past the last row of each row's tie group. */
  tieNext: BigInt64Array;
  /**
   * Efron weight k / d of each event row: the row is the k-th (from 0) of the d events of its tie
   * group. 0 for censored rows.
   */
  efronFraction: Float64Array;
}

/** Raised when site data cannot be fed to the Cox graph; names the column or row at fault. */
export class CoxDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CoxDataError';
  }
}

/** Returns, for each name of `layout`, its column index in `available`; throws on a missing name. */
export function matchColumns(layout: readonly string[], available: readonly string[], what: string): number[] {
  const positions = new Map(available.map((name, index) => [name, index]));
  return layout.map((name) => {
    const position = positions.get(name);
    if (position === undefined) {
      throw new CoxDataError(
        `${what}: covariate "${name}" is missing from the data, whose columns are ${available.join(', ')}; ` +
          'build the design matrix from the same model spec',
      );
    }
    return position;
  });
}

/**
 * Sorts rows by time (stable, so tied rows keep their input order), selects the model's covariates
 * by name and computes the tie-group indices and Efron fractions.
 */
export function prepareCoxSiteData(rows: SurvivalRows, layout: readonly string[]): CoxSiteData {
  const { n } = rows;
  const sourceWidth = rows.layout.length;
  if (rows.x.length !== n * sourceWidth || rows.time.length !== n || rows.event.length !== n) {
    throw new CoxDataError(
      `prepareCoxSiteData: expected x with ${n}×${sourceWidth} values and time and event with ${n}; ` +
        `got ${rows.x.length}, ${rows.time.length} and ${rows.event.length}`,
    );
  }
  if (n === 0) {
    throw new CoxDataError('prepareCoxSiteData: the site has no rows; a Cox model needs at least one event');
  }
  const columns = matchColumns(layout, rows.layout, 'prepareCoxSiteData');

  for (let i = 0; i < n; i += 1) {
    const time = rows.time[i] as number;
    const event = rows.event[i] as number;
    if (!Number.isFinite(time) || time < 0) {
      throw new CoxDataError(`prepareCoxSiteData: time of row ${i + 1} is ${time}; times must be finite and >= 0`);
    }
    if (event !== 0 && event !== 1) {
      throw new CoxDataError(`prepareCoxSiteData: event of row ${i + 1} is ${event}; use 1 for an event, 0 for censored`);
    }
    for (const column of columns) {
      const value = rows.x[i * sourceWidth + column] as number;
      if (!Number.isFinite(value)) {
        throw new CoxDataError(
          `prepareCoxSiteData: covariate "${rows.layout[column]}" of row ${i + 1} is ${value}; remove or impute it`,
        );
      }
    }
  }

  const order = Array.from({ length: n }, (_, index) => index);
  order.sort((a, b) => (rows.time[a] as number) - (rows.time[b] as number) || a - b);

  const p = layout.length;
  const x = new Float64Array(n * p);
  const time = new Float64Array(n);
  const event = new Float64Array(n);
  for (const [target, source] of order.entries()) {
    time[target] = rows.time[source] as number;
    event[target] = rows.event[source] as number;
    for (const [j, column] of columns.entries()) {
      x[target * p + j] = rows.x[source * sourceWidth + column] as number;
    }
  }

  const tieStart = new BigInt64Array(n);
  const tieNext = new BigInt64Array(n);
  const efronFraction = new Float64Array(n);
  let nEvents = 0;
  let start = 0;
  while (start < n) {
    let next = start + 1;
    while (next < n && time[next] === time[start]) {
      next += 1;
    }

    let eventsInGroup = 0;
    for (let i = start; i < next; i += 1) {
      eventsInGroup += event[i] as number;
    }
    let rank = 0;
    for (let i = start; i < next; i += 1) {
      tieStart[i] = BigInt(start);
      tieNext[i] = BigInt(next);
      if (event[i] === 1) {
        efronFraction[i] = rank / eventsInGroup;
        rank += 1;
      }
    }

    nEvents += eventsInGroup;
    start = next;
  }

  return { layout: [...layout], n, nEvents, x, time, event, tieStart, tieNext, efronFraction };
}
