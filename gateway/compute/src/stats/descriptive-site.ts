import { GraphBuilder, ONNX_DATA_TYPE, type TensorValue } from '../onnx/index.js';
import type { ColumnarTable, TableColumn } from '../spec/index.js';
import { descriptiveOutputs, descriptivePlanSchema, type DescriptivePlan, type DescriptivePlanInput } from './descriptive-plan.js';
import { finishSiteGraph, int64Vector, runSummingGraphInChunks, type CompiledSiteGraph, type SiteTensors } from './site-graph.js';

/** Elements of the largest rows × cells comparison matrix per run: 32 MiB once cast to float64. */
const CHUNK_ELEMENTS = 1 << 22;


/**
 * Compiles the site graph of a descriptive-statistics plan. Inputs are named after the columns:
 * numeric columns as float32 or float64 vectors with NaN for missing values, categorical columns
 * as int64 codes (level index, then `levels.length` for a value not listed and
 * `levels.length + 1` for a missing value). Every output is a float64 sum over rows (see
 * `descriptiveOutputs`), so sites' outputs add up to the pooled ones.
 */
export function compileDescriptiveSiteGraph(planInput: DescriptivePlanInput): CompiledSiteGraph {
  const plan = descriptivePlanSchema.parse(planInput);
  const graph = new GraphBuilder('descriptive_statistics', {
    docString: `Onsite descriptive statistics; plan ${JSON.stringify(plan)}`,
  });
  const inputNames: string[] = [];
  const outputNames: string[] = [];
  const emit = (value: string, name: string, shape: number[]): void => {
    graph.op('Identity', [value], {}, { name });
    graph.output(name, 'float64', shape);
    outputNames.push(name);
  };

  const axis0 = graph.constant('int64', [1], [0]);
  const sumRows = (value: string): string => graph.op1('ReduceSum', [value, axis0], { keepdims: 0 });
  const asDouble = (value: string): string => graph.op1('Cast', [value], { to: ONNX_DATA_TYPE.float64 });
  const zero = graph.constant('float64', [], [0]);

  let rows: string | undefined;
  for (const entry of plan.numeric) {
    const input = graph.input(entry.column, plan.dtype, ['n']);
    inputNames.push(entry.column);
    const x = plan.dtype === 'float64' ? input : asDouble(input);
    rows ??= asDouble(graph.op1('Shape', [x]));

    const missing = graph.op1('IsNaN', [x]);
    const present = asDouble(graph.op1('Not', [missing]));
    const shifted = graph.op1('Where', [missing, zero, graph.op1('Sub', [x, graph.constant('float64', [], [entry.shift])])]);
    const count = sumRows(present);
    emit(count, descriptiveOutputs.count(entry.column), []);
    emit(sumRows(asDouble(missing)), descriptiveOutputs.missing(entry.column), []);
    emit(sumRows(shifted), descriptiveOutputs.sum(entry.column), []);
    emit(sumRows(graph.op1('Mul', [shifted, shifted])), descriptiveOutputs.sumSquares(entry.column), []);

    if (entry.binEdges !== undefined) {
      const edgeCount = entry.binEdges.length;
      // atLeast[j] = #{x ≥ edge j}; NaN compares false, so missing values fall out.
      const column = graph.op1('Unsqueeze', [x, graph.constant('int64', [1], [1])]);
      const edges = graph.constant('float64', [1, edgeCount], entry.binEdges);
      const atLeast = sumRows(asDouble(graph.op1('GreaterOrEqual', [column, edges])));
      const lastEdge = graph.constant('float64', [], [entry.binEdges[edgeCount - 1] as number]);
      const aboveLast = graph.op1('Unsqueeze', [sumRows(asDouble(graph.op1('Greater', [x, lastEdge]))), axis0]);
      const binStarts = graph.op1('Slice', [atLeast, axis0, graph.constant('int64', [1], [edgeCount - 1])]);

      // Cells = [count, atLeast[0..k-1], aboveLast] − [atLeast[0..k-1], aboveLast, 0]: underflow,
      // the k bins ([e_i, e_i+1), the last one closed on the right) and overflow.
      const left = graph.op1('Concat', [graph.op1('Unsqueeze', [count, axis0]), binStarts, aboveLast], { axis: 0 });
      const right = graph.op1('Concat', [binStarts, aboveLast, graph.constant('float64', [1], [0])], { axis: 0 });
      emit(graph.op1('Sub', [left, right]), descriptiveOutputs.histogram(entry.column), [edgeCount + 1]);
    }
  }

  for (const entry of plan.categorical) {
    const codes = graph.input(entry.column, 'int64', ['n']);
    inputNames.push(entry.column);
    rows ??= asDouble(graph.op1('Shape', [codes]));

    const cellCount = entry.levels.length + 2;
    const cellCodes = graph.constant('int64', [1, cellCount], Array.from({ length: cellCount }, (_, i) => i));
    const column = graph.op1('Unsqueeze', [codes, graph.constant('int64', [1], [1])]);
    emit(sumRows(asDouble(graph.op1('Equal', [column, cellCodes]))), descriptiveOutputs.levelCounts(entry.column), [cellCount]);
  }

  emit(graph.op1('Squeeze', [rows as string, axis0]), descriptiveOutputs.rows, []);
  return finishSiteGraph(graph, inputNames, outputNames);
}

/** Result of a descriptive-statistics run at one site. */
export interface DescriptiveSiteResult {
  tensors: SiteTensors;
  rowCount: number;
  graphSha256: string;
}

/**
 * Reads the plan's columns from a site's table by name, encodes them as the graph expects and
 * runs the graph in onnxruntime-web, in row chunks whose outputs are added.
 */
export async function computeDescriptiveSiteSums(
  table: ColumnarTable,
  planInput: DescriptivePlanInput,
  graph: CompiledSiteGraph = compileDescriptiveSiteGraph(planInput),
): Promise<DescriptiveSiteResult> {
  const plan = descriptivePlanSchema.parse(planInput);
  const numeric = plan.numeric.map((entry) => ({ name: entry.column, values: numericValues(table, entry.column, plan.dtype) }));
  const categorical = plan.categorical.map((entry) => ({ name: entry.column, codes: categoryCodes(table, entry.column, entry.levels) }));

  const widest = Math.max(
    1,
    ...plan.numeric.map((entry) => (entry.binEdges?.length ?? 0) + 1),
    ...plan.categorical.map((entry) => entry.levels.length + 2),
  );
  const chunkRows = Math.max(1, Math.floor(CHUNK_ELEMENTS / widest));

  const tensors = await runSummingGraphInChunks(graph, table.rowCount, chunkRows, (start, end) => {
    const feeds: Record<string, TensorValue> = {};
    for (const column of numeric) {
      const data = column.values.subarray(start, end);
      feeds[column.name] = { dtype: plan.dtype, dims: [data.length], data };
    }
    for (const column of categorical) {
      feeds[column.name] = int64Vector(column.codes.subarray(start, end));
    }
    return feeds;
  });

  return { tensors, rowCount: table.rowCount, graphSha256: graph.sha256 };
}

/** Reads a numeric (or boolean) column as the graph's input, NaN for missing values. */
function numericValues(table: ColumnarTable, name: string, dtype: DescriptivePlan['dtype']): Float64Array | Float32Array {
  const column = requireColumn(table, name);
  if (column.type !== 'number' && column.type !== 'integer' && column.type !== 'boolean') {
    throw new TypeError(`column "${name}" is ${column.type}; describe it as a categorical column, or list a numeric column`);
  }
  const values = column.values as readonly (number | boolean | null)[];
  const array = dtype === 'float64' ? new Float64Array(values.length) : new Float32Array(values.length);
  values.forEach((value, row) => {
    array[row] = value === null ? Number.NaN : Number(value);
  });
  return array;
}

function categoryCodes(table: ColumnarTable, name: string, levels: readonly string[]): Float64Array {
  const column = requireColumn(table, name);
  const codeOf = new Map(levels.map((level, index) => [level, index]));
  const codes = new Float64Array(table.rowCount);
  column.values.forEach((value: unknown, row: number) => {
    codes[row] = value === null ? levels.length + 1 : (codeOf.get(String(value)) ?? levels.length);
  });
  return codes;
}

function requireColumn(table: ColumnarTable, name: string): TableColumn {
  const column = table.columns.get(name);
  if (column === undefined) {
    throw new RangeError(
      `column "${name}" is in the statistics plan but not in the dataset (columns: ${[...table.columns.keys()].join(', ')}); fix the plan`,
    );
  }
  return column;
}
