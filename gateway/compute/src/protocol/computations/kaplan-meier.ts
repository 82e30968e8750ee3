import { sumKaplanMeierCounts, type KaplanMeierCounts } from '../../survival/kaplan-meier-counts.js';
import { computeKaplanMeierSiteCounts, KM_CENSORED_OUTPUT, KM_EVENTS_OUTPUT, KM_TIME_OUTPUT, type KaplanMeierSpec } from '../../survival/kaplan-meier-site.js';
import { summarizeKaplanMeier, summarizeKaplanMeierByGroup } from '../../survival/kaplan-meier-summary.js';
import { logRankTest } from '../../survival/log-rank.js';
import type { ColumnarTable } from '../../spec/design-matrix.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { TensorMap } from '../../weights/tensor-map.js';
import { SiteRefusal, type Computation, type ComputationSettings, type ContributionFromSite, type SitePrivacy } from '../computation.js';
import { matrixTensor, readMatrix, readVector, vectorTensor } from '../tensor-codec.js';
import { rejectUnknownOptions } from './options.js';

export interface KaplanMeierJobState {
  /** Levels of the spec's `groupBy` column, in output order; `["all"]` without one. */
  groupLevels: string[] | null;
  /** Times at which to report survival, in the unit of the time column. */
  times: number[];
  confidenceLevel: number;
}

function readOptions(spec: KaplanMeierSpec, settings: ComputationSettings): KaplanMeierJobState {
  rejectUnknownOptions(settings.options, ['groupLevels', 'times', 'confidenceLevel'], 'kaplan_meier');
  const { groupLevels, times, confidenceLevel } = settings.options as { groupLevels?: unknown; times?: unknown; confidenceLevel?: unknown };
  if (spec.groupBy !== undefined && !(Array.isArray(groupLevels) && groupLevels.length >= 2 && groupLevels.every((level) => typeof level === 'string'))) {
    throw new RangeError(`kaplan_meier: the spec groups by "${spec.groupBy}"; set options.groupLevels to its levels, e.g. ["no", "yes"]`);
  }
  if (times !== undefined && !(Array.isArray(times) && times.every((time) => typeof time === 'number' && Number.isFinite(time) && time >= 0))) {
    throw new RangeError('kaplan_meier: options.times must be a list of non-negative numbers (the times at which to report survival)');
  }
  if (confidenceLevel !== undefined && !(typeof confidenceLevel === 'number' && confidenceLevel > 0 && confidenceLevel < 1)) {
    throw new RangeError(`kaplan_meier: options.confidenceLevel is ${String(confidenceLevel)}; use a number between 0 and 1 such as 0.95`);
  }
  return {
    groupLevels: spec.groupBy === undefined ? null : (groupLevels as string[]),
    times: (times as number[] | undefined) ?? [],
    confidenceLevel: (confidenceLevel as number | undefined) ?? 0.95,
  };
}

/** Grid points g, 2g, … up to the first at or above the site's last time, so no row overflows it. */
function timeGridFor(table: ColumnarTable, spec: KaplanMeierSpec, width: number): number[] {
  const column = table.columns.get(spec.outcome.time);
  let last = 0;
  if (column && (column.type === 'number' || column.type === 'integer')) {
    for (const value of column.values) if (value !== null && value > last) last = value;
  }
  const points = Math.max(1, Math.ceil(last / width));
  return Array.from({ length: points }, (_, index) => (index + 1) * width);
}

/**
 * Applies the site's small-cell rule to binned counts: a time bin whose rows (events and
 * censorings, all groups) number between 1 and the minimum is merged into the next bin with rows
 * (the last one into the previous) under "suppress", or makes the site refuse under "refuse". A
 * group with fewer rows than the minimum at this site is refused or left out the same way.
 */
function applyCellRule(counts: KaplanMeierCounts, privacy: SitePrivacy): { counts: KaplanMeierCounts; suppressedCells: number } {
  const minimum = privacy.minCellSize;
  let suppressedCells = 0;
  const groupTotals = counts.groups.map((_, g) => counts.time.reduce((sum, _t, i) => sum + (counts.events[i]?.[g] ?? 0) + (counts.censored[i]?.[g] ?? 0), 0));
  const smallGroups = counts.groups.filter((_, g) => (groupTotals[g] as number) > 0 && (groupTotals[g] as number) < minimum);
  if (smallGroups.length > 0) {
    // Leaving a group out would change the other curves' comparison, so a small group is refused
    // whichever action the policy sets for single cells.
    throw new SiteRefusal('small_cell', `Kaplan–Meier group(s) ${smallGroups.join(', ')} have fewer than ${minimum} patients at this site`);
  }

  if (privacy.exactEventTimes) return { counts, suppressedCells };

  const total = (row: { events: number[]; censored: number[] }) => row.events.reduce((a, b) => a + b, 0) + row.censored.reduce((a, b) => a + b, 0);
  // Empty bins (including the overflow row after the last grid point, at time Infinity) carry
  // nothing, so they are dropped before small bins are merged into their neighbours.
  const rows = counts.time
    .map((time, i) => ({ time, events: [...(counts.events[i] ?? [])], censored: [...(counts.censored[i] ?? [])] }))
    .filter((row) => total(row) > 0);
  const merged: typeof rows = [];
  let carry: (typeof rows)[number] | undefined;
  for (const row of rows) {
    const current = carry ? { time: row.time, events: row.events.map((v, g) => v + (carry?.events[g] ?? 0)), censored: row.censored.map((v, g) => v + (carry?.censored[g] ?? 0)) } : row;
    carry = undefined;
    const size = total(current);
    if (size < minimum) {
      if (privacy.smallCellAction === 'refuse') {
        throw new SiteRefusal('small_cell', `a Kaplan–Meier time bin ending at ${row.time} contains ${size} patients, fewer than the minimum cell size ${minimum}`);
      }
      suppressedCells += 1;
      carry = current;
      continue;
    }
    merged.push(current);
  }
  if (carry) {
    // The last small bin joins the one before it, released at the later (carried) time.
    const last = merged.pop();
    const joined = last
      ? { time: carry.time, events: last.events.map((v, g) => v + (carry?.events[g] ?? 0)), censored: last.censored.map((v, g) => v + (carry?.censored[g] ?? 0)) }
      : carry;
    if (total(joined) < minimum) {
      throw new SiteRefusal('small_cell', `this site's Kaplan–Meier counts hold fewer patients than the minimum cell size ${minimum} in total`);
    }
    merged.push(joined);
  }
  return {
    counts: { groups: counts.groups, time: merged.map((row) => row.time), events: merged.map((row) => row.events), censored: merged.map((row) => row.censored) },
    suppressedCells,
  };
}

function toTensors(counts: KaplanMeierCounts): TensorMap {
  return {
    [KM_TIME_OUTPUT]: vectorTensor(counts.time),
    [KM_EVENTS_OUTPUT]: matrixTensor(counts.events),
    [KM_CENSORED_OUTPUT]: matrixTensor(counts.censored),
  };
}

function fromContribution(groups: string[], entry: ContributionFromSite): KaplanMeierCounts {
  const what = `kaplan_meier, site ${entry.siteId}`;
  const tensors = entry.contribution.tensors;
  const timeTensor = tensors[KM_TIME_OUTPUT];
  const length = timeTensor?.shape[0] ?? 0;
  const time = readVector(tensors, KM_TIME_OUTPUT, length, what);
  const counts = {
    groups,
    time,
    events: readMatrix(tensors, KM_EVENTS_OUTPUT, length, groups.length, what),
    censored: readMatrix(tensors, KM_CENSORED_OUTPUT, length, groups.length, what),
  };
  for (const [index, value] of time.entries()) {
    if (!Number.isFinite(value) || value < 0 || (index > 0 && !(value > (time[index - 1] as number)))) {
      throw new RangeError(`${what}: times must be finite, non-negative and strictly ascending; time ${index} is ${value}`);
    }
  }
  for (const row of [...counts.events, ...counts.censored]) {
    if (row.some((value) => !Number.isInteger(value) || value < 0)) throw new RangeError(`${what}: counts must be non-negative integers`);
  }
  return counts;
}

/**
 * Kaplan–Meier curves and the log-rank test from counts: each site returns, per distinct time
 * (or per grid bin when its policy forbids exact times), its events and censorings per group; the
 * server merges them by time and computes survival, Greenwood errors, log-transformed intervals
 * and medians as R's `survfit` does, and the log-rank test as `survdiff`.
 */
export const kaplanMeierComputation: Computation<KaplanMeierJobState> = {
  name: 'kaplan_meier',
  kind: 'analytics',
  families: ['kaplan_meier'],

  initialState(spec: ModelSpec, settings) {
    if (spec.family !== 'kaplan_meier') throw new RangeError(`kaplan_meier: the spec is a ${spec.family} model; a kaplan_meier spec is needed`);
    return readOptions(spec, settings);
  },

  planRound(state) {
    return { parameters: { groupLevels: state.groupLevels } };
  },

  async runSite({ spec, table, parameters, privacy }) {
    if (spec.family !== 'kaplan_meier') throw new RangeError(`kaplan_meier: the spec is a ${spec.family} model; a kaplan_meier spec is needed`);
    const groupLevels = (parameters.groupLevels as string[] | null) ?? undefined;
    const options = {
      ...(groupLevels ? { groupLevels } : {}),
      ...(privacy.exactEventTimes ? {} : { timeGrid: timeGridFor(table, spec, privacy.timeGridDays) }),
    };
    const result = await computeKaplanMeierSiteCounts(table, spec, options);
    const { counts, suppressedCells } = applyCellRule(result.counts, privacy);
    const events = counts.events.flat().reduce((a, b) => a + b, 0);
    return {
      tensors: toTensors(counts),
      sampleCount: result.rowCount,
      metrics: { events, droppedRows: result.droppedRows, suppressedCells, binned: privacy.exactEventTimes ? 0 : 1 },
    };
  },

  serverStep(state, contributions) {
    const groups = state.groupLevels ?? ['all'];
    const perSite = contributions.map((entry) => ({ siteId: entry.siteId, counts: fromContribution(groups, entry) }));
    const counts = sumKaplanMeierCounts(perSite.map((site) => site.counts));
    const options = { times: state.times, confidenceLevel: state.confidenceLevel };

    const results: Record<string, unknown> = {
      overall: summarizeKaplanMeier(counts, options),
      sites: perSite.map((site) => ({
        siteId: site.siteId,
        n: site.counts.events.flat().reduce((a, b) => a + b, 0) + site.counts.censored.flat().reduce((a, b) => a + b, 0),
        events: site.counts.events.flat().reduce((a, b) => a + b, 0),
      })),
    };
    if (state.groupLevels) {
      results.byGroup = summarizeKaplanMeierByGroup(counts, options);
      results.logRank = logRankTest(counts);
      results.logRankStratifiedBySite = logRankTest(perSite.map((site) => site.counts));
    }
    return { state, done: true, roundMetrics: { sites: contributions.length }, results };
  },
};
