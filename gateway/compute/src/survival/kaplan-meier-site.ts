import { GraphBuilder, type TensorValue } from '../onnx/index.js';
import { buildDesignMatrix, type ColumnarTable, type ModelSpec } from '../spec/index.js';
import {
  finishSiteGraph,
  float64Vector,
  int64Vector,
  readFloat64,
  runSummingGraphInChunks,
  type CompiledSiteGraph,
  type SiteTensors,
} from '../stats/site-graph.js';
import { float64Layout } from '../stats/site-layout.js';
import type { TensorLayout } from '../weights/tensor-map.js';
import { ALL_ROWS_GROUP, type KaplanMeierCounts } from './kaplan-meier-counts.js';

export type KaplanMeierSpec = Extract<ModelSpec, { family: 'kaplan_meier' }>;

/** Site output names. `km/time` exists in exact mode only: in binned mode the grid is known. */
export const KM_TIME_OUTPUT = 'km/time';
export const KM_EVENTS_OUTPUT = 'km/events';
export const KM_CENSORED_OUTPUT = 'km/censored';

/** Largest grid accepted in binned mode; a finer grid is close to exact mode and costs n × grid memory. */
export const MAX_TIME_GRID_POINTS = 100_000;

/** Elements of the n × grid comparison matrix per run in binned mode: 32 MiB once cast to int64. */
const BINNED_CHUNK_ELEMENTS = 1 << 22;

export interface KaplanMeierSiteOptions {
  /**
   * Levels of the spec's `groupBy` column, in the order the output columns take. Required with a
   * grouping column, so that every site's output has the same shape; forbidden without one.
   */
  groupLevels?: readonly string[];
  /**
   * Binned mode: strictly ascending, finite grid points. Each time is rounded up to the first grid
   * point at or above it, and times above the last point go to one overflow row, so the site
   * reveals no exact time. Omitted: exact mode, one row per distinct time.
   */
  timeGrid?: readonly number[];
}

/** Shape of a site's Kaplan–Meier output, needed to read its tensors back as counts. */
export interface KaplanMeierLayout {
  groups: string[];
  /** The grid in binned mode; undefined in exact mode. */
  timeGrid?: number[];
}

/**
 * Compiles the site graph that counts events and censorings per time (or grid bin) and group.
 *
 * Exact mode: `Unique` sorts the distinct times and maps each row to its time's index, and two
 * `ScatterElements` (reduction "add") sum the event indicator and its complement into
 * `[times × groups]` tables. Binned mode: a row's bin is the number of grid points below its time
 * (a `Less` against the grid summed over the grid), then the same scatter-add into a fixed
 * `[(grid + 1) × groups]` table whose outputs add up element-wise over sites.
 *
 * Inputs are named after the spec's columns: the time and event columns as float64 (event 0 or 1)
 * and the grouping column as int64 level codes (0 for `groupLevels[0]`, ...).
 */
export function compileKaplanMeierSiteGraph(spec: KaplanMeierSpec, options: KaplanMeierSiteOptions = {}): CompiledSiteGraph {
  const layout = resolveKaplanMeierLayout(spec, options);
  const groupCount = layout.groups.length;
  const timeName = spec.outcome.time;
  const eventName = spec.outcome.event;
  checkDistinctColumns(spec);

  // The layout goes into the doc string, so the approved hash also pins which output column is
  // which group (the codes are assigned outside the graph).
  const graph = new GraphBuilder(layout.timeGrid === undefined ? 'kaplan_meier_exact' : 'kaplan_meier_binned', {
    docString: `Onsite Kaplan–Meier site counts per time and group; layout ${JSON.stringify(layout)}`,
  });
  const time = graph.input(timeName, 'float64', ['n']);
  const event = graph.input(eventName, 'float64', ['n']);
  const inputNames = [timeName, eventName];
  const groupCode = spec.groupBy === undefined ? undefined : graph.input(spec.groupBy, 'int64', ['n']);
  if (spec.groupBy !== undefined) {
    inputNames.push(spec.groupBy);
  }

  const censoredIndicator = graph.op1('Sub', [graph.constant('float64', [], [1]), event]);
  const outputNames: string[] = [];

  let rowIndex: string;
  let zeros: string;
  if (layout.timeGrid === undefined) {
    const [distinctTimes, , inverse] = graph.op('Unique', [time], { sorted: 1 }, { outputs: 4 }) as [string, string, string, string];
    graph.op('Identity', [distinctTimes], {}, { name: KM_TIME_OUTPUT });
    graph.output(KM_TIME_OUTPUT, 'float64', ['times']);
    outputNames.push(KM_TIME_OUTPUT);

    rowIndex = inverse;
    const cellCount = graph.op1('Mul', [graph.op1('Shape', [distinctTimes]), graph.constant('int64', [1], [groupCount])]);
    zeros = graph.op1('ConstantOfShape', [cellCount], { value: { type: 'tensor', dtype: 'float64', shape: [1], values: [0] } });
  } else {
    const grid = graph.constant('float64', [1, layout.timeGrid.length], layout.timeGrid);
    const column = graph.op1('Unsqueeze', [time, graph.constant('int64', [1], [1])]);
    const below = graph.op1('Cast', [graph.op1('Less', [grid, column])], { to: 7 });
    rowIndex = graph.op1('ReduceSum', [below, graph.constant('int64', [1], [1])], { keepdims: 0 });
    zeros = graph.constant('float64', [(layout.timeGrid.length + 1) * groupCount], new Float64Array((layout.timeGrid.length + 1) * groupCount));
  }

  // Flat cell index = row index × groups + group code, so one scatter fills the whole table.
  const cell =
    groupCode === undefined
      ? rowIndex
      : graph.op1('Add', [graph.op1('Mul', [rowIndex, graph.constant('int64', [], [groupCount])]), groupCode]);
  const tableShape = graph.constant('int64', [2], [-1, groupCount]);
  const rowsDim = layout.timeGrid === undefined ? 'times' : layout.timeGrid.length + 1;

  for (const [name, indicator] of [
    [KM_EVENTS_OUTPUT, event],
    [KM_CENSORED_OUTPUT, censoredIndicator],
  ] as const) {
    const flat = graph.op1('ScatterElements', [zeros, cell, indicator], { axis: 0, reduction: 'add' });
    graph.op('Reshape', [flat, tableShape], {}, { name });
    graph.output(name, 'float64', [rowsDim, groupCount]);
    outputNames.push(name);
  }

  return finishSiteGraph(graph, inputNames, outputNames);
}

/** Result of running the Kaplan–Meier site graph on a site's table. */
export interface KaplanMeierSiteResult {
  /** Named tensors to upload; the server adds them over sites. */
  tensors: SiteTensors;
  /** The same counts, read back from the tensors. */
  counts: KaplanMeierCounts;
  /** Rows counted. */
  rowCount: number;
  /** Rows dropped for missing values under the spec's `missing: "drop_rows"`. */
  droppedRows: number;
  /** SHA-256 of the graph that produced the tensors. */
  graphSha256: string;
}

/**
 * Loads the spec's columns from a site's table (by name), runs the compiled site graph in
 * onnxruntime-web and returns the counts. Rows with missing values follow the spec's `missing`
 * policy; a group value outside `groupLevels` is an error that names it.
 */
export async function computeKaplanMeierSiteCounts(
  table: ColumnarTable,
  spec: KaplanMeierSpec,
  options: KaplanMeierSiteOptions = {},
  graph: CompiledSiteGraph = compileKaplanMeierSiteGraph(spec, options),
): Promise<KaplanMeierSiteResult> {
  const layout = resolveKaplanMeierLayout(spec, options);
  const matrix = buildDesignMatrix(table, spec);
  const time = matrix.time as Float64Array;
  const event = matrix.event as Float64Array;
  const codes = spec.groupBy === undefined ? undefined : encodeGroupCodes(matrix.group ?? [], layout.groups, spec.groupBy);

  const feedsFor = (start: number, end: number): Record<string, TensorValue> => {
    const feeds: Record<string, TensorValue> = {
      [spec.outcome.time]: float64Vector(time.subarray(start, end)),
      [spec.outcome.event]: float64Vector(event.subarray(start, end)),
    };
    if (spec.groupBy !== undefined && codes !== undefined) {
      feeds[spec.groupBy] = int64Vector(codes.subarray(start, end));
    }
    return feeds;
  };

  // Exact mode keeps O(n) memory, so it runs in one piece: its per-run time sets would differ.
  const chunkRows =
    layout.timeGrid === undefined ? Math.max(1, matrix.n) : Math.max(1, Math.floor(BINNED_CHUNK_ELEMENTS / layout.timeGrid.length));
  const tensors = await runSummingGraphInChunks(graph, matrix.n, chunkRows, feedsFor);

  return {
    tensors,
    counts: kaplanMeierCountsFromTensors(tensors, layout),
    rowCount: matrix.n,
    droppedRows: matrix.droppedRows,
    graphSha256: graph.sha256,
  };
}

/** Returns the output layout (group labels and grid) that a spec and options give. */
export function resolveKaplanMeierLayout(spec: KaplanMeierSpec, options: KaplanMeierSiteOptions): KaplanMeierLayout {
  let groups: string[];
  if (spec.groupBy === undefined) {
    if (options.groupLevels !== undefined) {
      throw new RangeError('groupLevels were given but the spec has no groupBy column; drop them or add groupBy');
    }
    groups = [ALL_ROWS_GROUP];
  } else {
    if (options.groupLevels === undefined || options.groupLevels.length === 0) {
      throw new RangeError(`the spec groups by "${spec.groupBy}"; pass its levels as groupLevels (for example ["no", "yes"])`);
    }
    if (new Set(options.groupLevels).size !== options.groupLevels.length) {
      throw new RangeError(`groupLevels ${JSON.stringify(options.groupLevels)} repeat a level; list each level once`);
    }
    groups = [...options.groupLevels];
  }

  if (options.timeGrid === undefined) {
    return { groups };
  }
  const grid = [...options.timeGrid];
  if (grid.length === 0 || grid.length > MAX_TIME_GRID_POINTS) {
    throw new RangeError(`timeGrid has ${grid.length} points; use 1 to ${MAX_TIME_GRID_POINTS}`);
  }
  for (let i = 0; i < grid.length; i += 1) {
    const point = grid[i] as number;
    if (!Number.isFinite(point) || (i > 0 && !(point > (grid[i - 1] as number)))) {
      throw new RangeError(`timeGrid point ${i} is ${point}; grid points must be finite and strictly ascending`);
    }
  }
  return { groups, timeGrid: grid };
}

/** Reads a site's (or a sum of sites') Kaplan–Meier tensors back as counts. */
export function kaplanMeierCountsFromTensors(tensors: SiteTensors, layout: KaplanMeierLayout): KaplanMeierCounts {
  const events = readFloat64(tensors, KM_EVENTS_OUTPUT);
  const censored = readFloat64(tensors, KM_CENSORED_OUTPUT);
  const groupCount = layout.groups.length;

  const time =
    layout.timeGrid === undefined ? Array.from(readFloat64(tensors, KM_TIME_OUTPUT)) : [...layout.timeGrid, Infinity];
  if (events.length !== time.length * groupCount || censored.length !== time.length * groupCount) {
    throw new RangeError(
      `Kaplan–Meier tensors hold ${events.length} event and ${censored.length} censoring cells, but ` +
        `${time.length} times × ${groupCount} groups were expected; check the layout used to compile the graph`,
    );
  }

  const rows = (flat: Float64Array): number[][] =>
    time.map((_, i) => Array.from(flat.subarray(i * groupCount, (i + 1) * groupCount)));
  return { groups: [...layout.groups], time, events: rows(events), censored: rows(censored) };
}

function encodeGroupCodes(values: readonly string[], levels: readonly string[], column: string): Float64Array {
  const codeOf = new Map(levels.map((level, index) => [level, index]));
  const codes = new Float64Array(values.length);
  for (const [row, value] of values.entries()) {
    const code = codeOf.get(value);
    if (code === undefined) {
      throw new RangeError(
        `column "${column}" has the value "${value}", which is not in groupLevels ${JSON.stringify(levels)}; ` +
          'add the level to the task or drop those rows',
      );
    }
    codes[row] = code;
  }
  return codes;
}

function checkDistinctColumns(spec: KaplanMeierSpec): void {
  const names = [spec.outcome.time, spec.outcome.event, ...(spec.groupBy === undefined ? [] : [spec.groupBy])];
  if (new Set(names).size !== names.length) {
    throw new RangeError(`the time, event and groupBy columns must differ, but they are ${JSON.stringify(names)}`);
  }
}

/**
 * Names and shapes of binned-mode site outputs, to validate and sum site updates element-wise.
 * Exact-mode outputs have one row per distinct time, which differs between sites, so they have no
 * fixed layout: the server reads each site's counts and merges them with `sumKaplanMeierCounts`.
 */
export function kaplanMeierSiteLayout(layout: KaplanMeierLayout): TensorLayout {
  if (layout.timeGrid === undefined) {
    throw new RangeError(
      'exact-mode Kaplan–Meier outputs have one row per distinct time and no fixed layout; ' +
        'merge them with sumKaplanMeierCounts, or pass a timeGrid for binned mode',
    );
  }
  const shape = [layout.timeGrid.length + 1, layout.groups.length];
  return float64Layout({ [KM_EVENTS_OUTPUT]: shape, [KM_CENSORED_OUTPUT]: shape });
}
