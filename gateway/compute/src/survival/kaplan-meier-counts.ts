/**
 * Event and censoring counts per time and group: everything a Kaplan–Meier curve or a log-rank
 * test needs. Sites return these counts; the server adds them over sites and derives the rest.
 *
 * In exact mode `time` contains the distinct observed times. In binned mode it contains the grid points
 * (each time rounded up to the next grid point) followed by `Infinity`, the row for times after
 * the last grid point.
 */
export interface KaplanMeierCounts {
  /** Group labels, in the order of the inner arrays; `["all"]` without a grouping column. */
  groups: string[];
  /** Ascending, distinct. */
  time: number[];
  /** `events[i][g]`: events at `time[i]` in group `g`. */
  events: number[][];
  /** `censored[i][g]`: censored rows at `time[i]` in group `g`. */
  censored: number[][];
}

/** Group label used when the spec has no grouping column. */
export const ALL_ROWS_GROUP = 'all';

/** Checks the shape and values of counts, naming the first problem found. */
export function checkKaplanMeierCounts(counts: KaplanMeierCounts, what = 'Kaplan–Meier counts'): void {
  const groupCount = counts.groups.length;
  if (groupCount === 0) {
    throw new RangeError(`${what}: no groups; use ["${ALL_ROWS_GROUP}"] for an ungrouped curve`);
  }
  if (new Set(counts.groups).size !== groupCount) {
    throw new RangeError(`${what}: group labels ${JSON.stringify(counts.groups)} repeat a label`);
  }
  if (counts.events.length !== counts.time.length || counts.censored.length !== counts.time.length) {
    throw new RangeError(
      `${what}: ${counts.time.length} times but ${counts.events.length} event rows and ` +
        `${counts.censored.length} censoring rows; each time needs one row of each`,
    );
  }

  for (let i = 0; i < counts.time.length; i += 1) {
    const time = counts.time[i] as number;
    if (Number.isNaN(time) || time === -Infinity) {
      throw new RangeError(`${what}: time ${i} is ${time}; times must be numbers (Infinity only for the overflow row)`);
    }
    if (i > 0 && !(time > (counts.time[i - 1] as number))) {
      throw new RangeError(`${what}: times must be strictly ascending, but time ${i} is ${time} after ${counts.time[i - 1]}`);
    }
    for (const [label, rows] of [
      ['events', counts.events],
      ['censored', counts.censored],
    ] as const) {
      const row = rows[i] as number[];
      if (row.length !== groupCount) {
        throw new RangeError(`${what}: ${label} row ${i} has ${row.length} values for ${groupCount} groups`);
      }
      for (const value of row) {
        if (!Number.isFinite(value) || value < 0) {
          throw new RangeError(`${what}: ${label} at time ${time} is ${value}; counts must be finite and non-negative`);
        }
      }
    }
  }
}

/**
 * Adds counts from several sites, matching rows by time and groups by label order. Times that
 * only some sites observed get zeros elsewhere, so exact-mode counts with different time sets add
 * up to the pooled counts.
 */
export function sumKaplanMeierCounts(parts: readonly KaplanMeierCounts[]): KaplanMeierCounts {
  const first = parts[0];
  if (first === undefined) {
    throw new RangeError('sumKaplanMeierCounts: no counts were given; pass at least one site');
  }

  const groups = first.groups;
  const rowsByTime = new Map<number, { events: number[]; censored: number[] }>();
  for (const [index, part] of parts.entries()) {
    checkKaplanMeierCounts(part, `counts of site ${index}`);
    if (part.groups.join('\u0000') !== groups.join('\u0000')) {
      throw new RangeError(
        `sumKaplanMeierCounts: site ${index} has groups ${JSON.stringify(part.groups)} but site 0 has ` +
          `${JSON.stringify(groups)}; compile every site's graph with the same group levels`,
      );
    }

    for (let i = 0; i < part.time.length; i += 1) {
      const time = part.time[i] as number;
      let row = rowsByTime.get(time);
      if (row === undefined) {
        row = { events: new Array<number>(groups.length).fill(0), censored: new Array<number>(groups.length).fill(0) };
        rowsByTime.set(time, row);
      }
      for (let g = 0; g < groups.length; g += 1) {
        row.events[g] = (row.events[g] as number) + ((part.events[i] as number[])[g] as number);
        row.censored[g] = (row.censored[g] as number) + ((part.censored[i] as number[])[g] as number);
      }
    }
  }

  const time = [...rowsByTime.keys()].sort((a, b) => a - b);
  return {
    groups: [...groups],
    time,
    events: time.map((t) => rowsByTime.get(t)!.events),
    censored: time.map((t) => rowsByTime.get(t)!.censored),
  };
}

/** Pools all groups into one, as `survfit(Surv(time, status) ~ 1)` does. */
export function poolKaplanMeierGroups(counts: KaplanMeierCounts): KaplanMeierCounts {
  return {
    groups: [ALL_ROWS_GROUP],
    time: [...counts.time],
    events: counts.events.map((row) => [row.reduce((sum, value) => sum + value, 0)]),
    censored: counts.censored.map((row) => [row.reduce((sum, value) => sum + value, 0)]),
  };
}

/** Keeps one group and drops the times where it has no rows, as each stratum of `survfit` does. */
export function selectKaplanMeierGroup(counts: KaplanMeierCounts, group: string): KaplanMeierCounts {
  const index = counts.groups.indexOf(group);
  if (index < 0) {
    throw new RangeError(`group "${group}" is not one of ${JSON.stringify(counts.groups)}`);
  }

  const selected: KaplanMeierCounts = { groups: [group], time: [], events: [], censored: [] };
  for (let i = 0; i < counts.time.length; i += 1) {
    const events = (counts.events[i] as number[])[index] as number;
    const censored = (counts.censored[i] as number[])[index] as number;
    if (events + censored > 0) {
      selected.time.push(counts.time[i] as number);
      selected.events.push([events]);
      selected.censored.push([censored]);
    }
  }
  return selected;
}
