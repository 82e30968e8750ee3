import type { ConcordanceCounts } from '../cox/concordance.js';
import { GraphBuilder, ONNX_DATA_TYPE, type TensorValue } from '../onnx/index.js';
import { float64Layout } from '../stats/site-layout.js';
import type { TensorLayout } from '../weights/tensor-map.js';
import {
  finishSiteGraph,
  float64Vector,
  int64Vector,
  readFloat64,
  runSummingGraphInChunks,
  type CompiledSiteGraph,
  type SiteTensors,
} from '../stats/site-graph.js';

/** Output names of the concordance site graph: pair counts, each a float64 scalar. */
export const concordanceOutputs = {
  concordant: 'concordance/concordant',
  discordant: 'concordance/discordant',
  /** Comparable pairs with equal risk scores (R's `tied.x`). */
  tiedScore: 'concordance/tied_score',
  /** Pairs of events at the same time with different risk scores (R's `tied.y`). */
  tiedTime: 'concordance/tied_time',
  /** Pairs of events at the same time with equal risk scores (R's `tied.xy`). */
  tiedTimeAndScore: 'concordance/tied_time_and_score',
} as const;

/** Inputs that select the chunk of "first" rows; '/' cannot occur in a column name. */
export const CHUNK_START_INPUT = 'chunk/start';
export const CHUNK_END_INPUT = 'chunk/end';

/** Elements of the chunk × n pair matrices per run (each matrix is at most 16 MiB as float64). */
const PAIR_CHUNK_ELEMENTS = 1 << 21;


export interface ConcordanceInputs {
  time: string;
  event: string;
  /** Predicted risk: a higher value predicts a shorter survival (a Cox linear predictor, say). */
  risk: string;
  /** Optional stratum codes (int64): pairs in different strata are not compared. */
  strata?: string;
  /** Dtype of the risk input; default float64. Time and event are float64. */
  dtype?: 'float32' | 'float64';
}

/**
 * Compiles the site graph of Harrell's C pair counts, as R's
 * `concordance(Surv(time, status) ~ risk, reverse = TRUE)` (survival 3.5, `timewt = "n"`)
 * counts them. A pair is comparable when the row with the shorter time has an event. A censored
 * row tied in time with an event counts as the longer one. Both-event pairs tied in time are
 * counted apart and left out of C.
 *
 * Each run compares the rows `[chunk/start, chunk/end)` with every row, so a site of n rows
 * needs O(n²) comparisons, made in memory-bounded chunks whose counts add up. Pairs never span
 * sites, so summing site counts gives the C-index stratified by site. The counts are the
 * `ConcordanceCounts` of the Cox module: add them with `addConcordance` and turn them into C with
 * `concordanceIndex`.
 *
 * NOTE: the cost is quadratic in the site's rows. The tests use 2,500 rows (6.25 million pair
 * comparisons). A site of 100,000 rows would need 10¹⁰, which calls for a sort-based graph.
 */
export function compileConcordanceSiteGraph(inputs: ConcordanceInputs): CompiledSiteGraph {
  const dtype = inputs.dtype ?? 'float64';
  const names = [inputs.time, inputs.event, inputs.risk, ...(inputs.strata === undefined ? [] : [inputs.strata])];
  if (new Set(names).size !== names.length) {
    throw new RangeError(`the time, event, risk and strata inputs must differ, but they are ${JSON.stringify(names)}`);
  }

  const graph = new GraphBuilder('concordance_pairs', {
    docString: `Onsite Harrell's C pair counts; inputs ${JSON.stringify({ ...inputs, dtype })}`,
  });
  const time = graph.input(inputs.time, 'float64', ['n']);
  const event = graph.input(inputs.event, 'float64', ['n']);
  const riskInput = graph.input(inputs.risk, dtype, ['n']);
  const risk = dtype === 'float64' ? riskInput : graph.op1('Cast', [riskInput], { to: ONNX_DATA_TYPE.float64 });
  const strata = inputs.strata === undefined ? undefined : graph.input(inputs.strata, 'int64', ['n']);
  const start = graph.input(CHUNK_START_INPUT, 'int64', [1]);
  const end = graph.input(CHUNK_END_INPUT, 'int64', [1]);

  const axis0 = graph.constant('int64', [1], [0]);
  const axis1 = graph.constant('int64', [1], [1]);
  // "i" values: the chunk's rows as a column [m, 1]; "j" values: all rows as a row [1, n].
  const first = (value: string): string => graph.op1('Unsqueeze', [graph.op1('Slice', [value, start, end, axis0]), axis1]);
  const second = (value: string): string => graph.op1('Unsqueeze', [value, axis0]);

  const rowCount = graph.op1('Squeeze', [graph.op1('Shape', [time]), axis0]);
  const rowIndex = graph.op1('Range', [graph.constant('int64', [], [0]), rowCount, graph.constant('int64', [], [1])]);

  const isEvent = graph.op1('Equal', [event, graph.constant('float64', [], [1])]);
  const timeI = first(time);
  const timeJ = second(time);
  const riskI = first(risk);
  const riskJ = second(risk);
  const eventI = first(isEvent);
  const eventJ = second(isEvent);

  const sameTime = graph.op1('Equal', [timeI, timeJ]);
  const censoredJ = graph.op1('Not', [eventJ]);
  const shorter = graph.op1('Or', [graph.op1('Less', [timeI, timeJ]), graph.op1('And', [sameTime, censoredJ])]);
  let comparable = graph.op1('And', [eventI, shorter]);
  // Both-event ties in time: count each unordered pair once, with i before j in row order.
  let tiedEvents = graph.op1('And', [
    graph.op1('And', [eventI, eventJ]),
    graph.op1('And', [sameTime, graph.op1('Less', [first(rowIndex), second(rowIndex)])]),
  ]);
  if (strata !== undefined) {
    const sameStratum = graph.op1('Equal', [first(strata), second(strata)]);
    comparable = graph.op1('And', [comparable, sameStratum]);
    tiedEvents = graph.op1('And', [tiedEvents, sameStratum]);
  }

  const sameRisk = graph.op1('Equal', [riskI, riskJ]);
  const count = (mask: string, name: string): void => {
    const total = graph.op1('ReduceSum', [graph.op1('Cast', [mask], { to: ONNX_DATA_TYPE.float64 })], { keepdims: 0 });
    graph.op('Identity', [total], {}, { name });
    graph.output(name, 'float64', []);
  };
  count(graph.op1('And', [comparable, graph.op1('Greater', [riskI, riskJ])]), concordanceOutputs.concordant);
  count(graph.op1('And', [comparable, graph.op1('Less', [riskI, riskJ])]), concordanceOutputs.discordant);
  count(graph.op1('And', [comparable, sameRisk]), concordanceOutputs.tiedScore);
  count(graph.op1('And', [tiedEvents, graph.op1('Not', [sameRisk])]), concordanceOutputs.tiedTime);
  count(graph.op1('And', [tiedEvents, sameRisk]), concordanceOutputs.tiedTimeAndScore);

  return finishSiteGraph(graph, [...names, CHUNK_START_INPUT, CHUNK_END_INPUT], Object.values(concordanceOutputs));
}

/** Columns for the concordance graph at one site. */
export interface ConcordanceData {
  time: Float64Array;
  event: Float64Array;
  risk: Float64Array | Float32Array;
  /** Stratum code per row (non-negative integers). */
  strata?: ArrayLike<number>;
}

/** Runs the concordance graph on a site's rows in chunks and returns the tensors and the counts. */
export async function computeConcordanceSiteCounts(
  data: ConcordanceData,
  inputs: ConcordanceInputs,
  graph: CompiledSiteGraph = compileConcordanceSiteGraph(inputs),
): Promise<{ tensors: SiteTensors; counts: ConcordanceCounts }> {
  const n = data.time.length;
  checkConcordanceData(data, inputs);
  const dtype = inputs.dtype ?? 'float64';

  const fixedFeeds: Record<string, TensorValue> = {
    [inputs.time]: float64Vector(data.time),
    [inputs.event]: float64Vector(data.event),
    [inputs.risk]: { dtype, dims: [n], data: data.risk },
  };
  if (inputs.strata !== undefined && data.strata !== undefined) {
    fixedFeeds[inputs.strata] = int64Vector(data.strata);
  }

  const chunkRows = Math.max(1, Math.floor(PAIR_CHUNK_ELEMENTS / Math.max(1, n)));
  const tensors = await runSummingGraphInChunks(graph, n, chunkRows, (chunkStart, chunkEnd) => ({
    ...fixedFeeds,
    [CHUNK_START_INPUT]: int64Vector([chunkStart]),
    [CHUNK_END_INPUT]: int64Vector([chunkEnd]),
  }));
  return { tensors, counts: concordanceCountsFromTensors(tensors) };
}

/** Reads concordance tensors (of one site or summed) back as counts. */
export function concordanceCountsFromTensors(tensors: SiteTensors): ConcordanceCounts {
  const read = (name: string): number => readFloat64(tensors, name)[0] as number;
  return {
    concordant: read(concordanceOutputs.concordant),
    discordant: read(concordanceOutputs.discordant),
    tiedScore: read(concordanceOutputs.tiedScore),
    tiedTime: read(concordanceOutputs.tiedTime),
    tiedTimeAndScore: read(concordanceOutputs.tiedTimeAndScore),
  };
}

function checkConcordanceData(data: ConcordanceData, inputs: ConcordanceInputs): void {
  const n = data.time.length;
  if (data.event.length !== n || data.risk.length !== n || (data.strata !== undefined && data.strata.length !== n)) {
    throw new RangeError('time, event, risk and strata must have one value per row each');
  }
  if ((inputs.strata === undefined) !== (data.strata === undefined)) {
    throw new RangeError('pass strata codes exactly when the graph was compiled with a strata input');
  }
  if (data.risk instanceof Float32Array !== ((inputs.dtype ?? 'float64') === 'float32')) {
    throw new TypeError(`the graph reads ${inputs.dtype ?? 'float64'} risk scores; pass a matching typed array`);
  }
  for (let row = 0; row < n; row += 1) {
    if (!Number.isFinite(data.time[row]) || !Number.isFinite(data.risk[row])) {
      throw new RangeError(`row ${row + 1}: time ${data.time[row]} and risk ${data.risk[row]} must both be finite`);
    }
    if (data.event[row] !== 0 && data.event[row] !== 1) {
      throw new RangeError(`row ${row + 1}: event indicator ${data.event[row]} must be 0 or 1`);
    }
    if (data.strata !== undefined && !(Number.isSafeInteger(data.strata[row]) && (data.strata[row] as number) >= 0)) {
      throw new RangeError(`row ${row + 1}: stratum code ${data.strata[row]} must be a non-negative integer`);
    }
  }
}

/** Names and shapes of the concordance site outputs (five scalars), to validate and sum updates. */
export function concordanceSiteLayout(): TensorLayout {
  return float64Layout(Object.fromEntries(Object.values(concordanceOutputs).map((name) => [name, []])));
}
