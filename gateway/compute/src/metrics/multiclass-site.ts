import { z } from 'zod';

import { MAX_CLASSES } from '../mlp/network-config.js';
import { GraphBuilder, ONNX_DATA_TYPE, type TensorValue } from '../onnx/index.js';
import { float64Layout } from '../stats/site-layout.js';
import type { TensorLayout } from '../weights/tensor-map.js';
import {
  finishSiteGraph,
  float64Vector,
  runSummingGraphInChunks,
  type CompiledSiteGraph,
  type SiteTensors,
} from '../stats/site-graph.js';
import { LOG_LOSS_EPSILON } from './classification-site.js';

/**
 * Maximum of classes × bins. The histogram output contains 2 × classes × bins float64 cells, so this
 * caps it at 16 MB per site.
 */
export const MAX_CLASS_BINS = 1_000_000;

/** Probability cells (rows × classes) per run, so each [n, K] float64 intermediate takes at most 8 MiB. */
const CHUNK_CELLS = 1 << 20;

/** Allowed deviation of a row's probability sum from 1, by input dtype. */
const ROW_SUM_TOLERANCE = { float64: 1e-6, float32: 1e-4 } as const;


/** Inputs and score binning of the multi-class classification metrics graph. */
export const multiclassPlanSchema = z
  .object({
    /** Input name of the predicted class probabilities, [n, classes], each row summing to 1. */
    probabilities: z.string().min(1).max(128),
    /** Input name of the observed class as a zero-based index, float64 [n]. */
    label: z.string().min(1).max(128),
    /** Number of classes K, as many as a softmax output may have. */
    classes: z.number().int().min(2).max(MAX_CLASSES),
    /** One-vs-rest score histogram bins over [0, 1] per class, for the AUCs; default 1,000. */
    bins: z.number().int().min(2).max(MAX_CLASS_BINS).default(1000),
    dtype: z.enum(['float32', 'float64']).default('float64'),
  })
  .strict()
  .refine((plan) => plan.probabilities !== plan.label, {
    message: 'probabilities and label must be different inputs',
    path: ['label'],
  })
  .refine((plan) => plan.classes * plan.bins <= MAX_CLASS_BINS, {
    message: `classes × bins must be at most ${MAX_CLASS_BINS}; use fewer bins`,
    path: ['bins'],
  });

export type MulticlassPlan = z.infer<typeof multiclassPlanSchema>;
export type MulticlassPlanInput = z.input<typeof multiclassPlanSchema>;

/** Output names of the multi-class site graph; every output is a float64 sum over rows. */
export const multiclassOutputs = {
  rows: 'metrics/multiclass/rows',
  logLossSum: 'metrics/multiclass/log_loss_sum',
  brierSum: 'metrics/multiclass/brier_sum',
  /** `[classes, classes]`: row = observed class, column = predicted class (the argmax). */
  confusion: 'metrics/multiclass/confusion',
  /**
   * `[classes, 2, bins]`: for class k, row 0 counts the rows of other classes and row 1 the rows
   * of class k, by the bin of the probability of class k.
   */
  scoreHistogram: 'metrics/multiclass/score_histogram',
} as const;

/**
 * Compiles the site graph of multi-class classification metrics. Per row it forms the one-hot
 * label (the label compared with the class indices 0..K−1), the clipped log-loss term
 * −log p_label and the Brier term Σ_k (p_k − onehot_k)². The predicted class is the `ArgMax` of
 * the row, so ties go to the lowest index. The graph returns the sums, the confusion matrix and,
 * per class, a one-vs-rest histogram of the bins min(⌊p_k · bins⌋, bins − 1). `ScatterElements`
 * with reduction "add" fills both. Sums are taken in float64 whatever the input dtype.
 *
 * The Brier sum is the multi-class score of G. W. Brier, "Verification of forecasts expressed in
 * terms of probability", Monthly Weather Review 78(1):1–3, 1950. For K = 2 it is twice the binary
 * Brier score (p − y)², because both classes contribute the same squared error.
 */
export function compileMulticlassSiteGraph(planInput: MulticlassPlanInput): CompiledSiteGraph {
  const plan = multiclassPlanSchema.parse(planInput);
  const classes = plan.classes;
  const graph = new GraphBuilder('multiclass_metrics', {
    docString: `Onsite multi-class classification metric sums; plan ${JSON.stringify(plan)}`,
  });
  const outputNames: string[] = [];
  const emit = (value: string, name: string, shape: number[]): void => {
    graph.op('Identity', [value], {}, { name });
    graph.output(name, 'float64', shape);
    outputNames.push(name);
  };

  const probabilityInput = graph.input(plan.probabilities, plan.dtype, ['n', classes]);
  const label = graph.input(plan.label, 'float64', ['n']);
  const rawProbability = plan.dtype === 'float64' ? probabilityInput : graph.op1('Cast', [probabilityInput], { to: ONNX_DATA_TYPE.float64 });
  const constant = (value: number): string => graph.constant('float64', [], [value]);
  const int64Constant = (values: number[]): string => graph.constant('int64', [values.length], values);
  const sumAll = (value: string): string => graph.op1('ReduceSum', [value], { keepdims: 0 });
  const p = graph.op1('Clip', [rawProbability, constant(0), constant(1)]);

  const rowsVector = graph.op1('Cast', [graph.op1('Shape', [label])], { to: ONNX_DATA_TYPE.float64 });
  emit(graph.op1('Squeeze', [rowsVector, int64Constant([0])]), multiclassOutputs.rows, []);

  // One-hot [n, K]: the label column [n, 1] against the class indices [1, K].
  const classIndex = graph.constant('float64', [1, classes], Float64Array.from({ length: classes }, (_, k) => k));
  const labelColumn = graph.op1('Unsqueeze', [label, int64Constant([1])]);
  const oneHot = graph.op1('Cast', [graph.op1('Equal', [labelColumn, classIndex])], { to: ONNX_DATA_TYPE.float64 });

  // The row sum of p ⊙ onehot is p_label exactly, because every other term is +0.
  const labelProbability = graph.op1('ReduceSum', [graph.op1('Mul', [p, oneHot]), int64Constant([1])], { keepdims: 0 });
  const clipped = graph.op1('Clip', [labelProbability, constant(LOG_LOSS_EPSILON), constant(1 - LOG_LOSS_EPSILON)]);
  emit(graph.op1('Neg', [sumAll(graph.op1('Log', [clipped]))]), multiclassOutputs.logLossSum, []);

  const error = graph.op1('Sub', [p, oneHot]);
  emit(sumAll(graph.op1('Mul', [error, error])), multiclassOutputs.brierSum, []);

  // Each row adds 1 to its own cell; `ones` takes the [n] shape of the label.
  const ones = graph.op1('Add', [graph.op1('Mul', [label, constant(0)]), constant(1)]);
  const predicted = graph.op1('ArgMax', [p], { axis: 1, keepdims: 0, select_last_index: 0 });
  const confusionCell = graph.op1('Add', [
    graph.op1('Mul', [graph.op1('Cast', [label], { to: ONNX_DATA_TYPE.int64 }), graph.constant('int64', [], [classes])]),
    predicted,
  ]);
  const confusionFlat = graph.op1('ScatterElements', [zeros(graph, classes * classes), confusionCell, ones], {
    axis: 0,
    reduction: 'add',
  });
  emit(graph.op1('Reshape', [confusionFlat, int64Constant([classes, classes])]), multiclassOutputs.confusion, [classes, classes]);

  // Histogram cell of (row, k) = k · 2 · bins + onehot_k · bins + bin, an integer below 2 · MAX_CLASS_BINS.
  const bin = graph.op1('Min', [graph.op1('Floor', [graph.op1('Mul', [p, constant(plan.bins)])]), constant(plan.bins - 1)]);
  const classOffset = graph.constant('float64', [1, classes], Float64Array.from({ length: classes }, (_, k) => 2 * plan.bins * k));
  const histogramCell = graph.op1('Add', [graph.op1('Add', [classOffset, graph.op1('Mul', [oneHot, constant(plan.bins)])]), bin]);
  const histogramCellFlat = graph.op1('Reshape', [graph.op1('Cast', [histogramCell], { to: ONNX_DATA_TYPE.int64 }), int64Constant([-1])]);
  const cellOnes = graph.op1('Add', [graph.op1('Mul', [graph.op1('Reshape', [p, int64Constant([-1])]), constant(0)]), constant(1)]);
  const histogramFlat = graph.op1('ScatterElements', [zeros(graph, classes * 2 * plan.bins), histogramCellFlat, cellOnes], {
    axis: 0,
    reduction: 'add',
  });
  const histogramShape = [classes, 2, plan.bins];
  emit(graph.op1('Reshape', [histogramFlat, int64Constant(histogramShape)]), multiclassOutputs.scoreHistogram, histogramShape);

  return finishSiteGraph(graph, [plan.probabilities, plan.label], outputNames);
}

/** Adds a node that makes a float64 zero vector at run time, so the model stores no zeros. */
function zeros(graph: GraphBuilder, length: number): string {
  return graph.op1('ConstantOfShape', [graph.constant('int64', [1], [length])], {
    value: { type: 'tensor', dtype: 'float64', shape: [1], values: [0] },
  });
}

/**
 * Checks probabilities and labels before they reach the graph and throws a RangeError naming the
 * first bad row (1-based) and value. Probabilities are row-major [n, classes]. Every value must
 * be finite and in [0, 1], and every row must sum to 1 within 1e-6 (1e-4 for a Float32Array).
 * Labels must be integers in [0, classes).
 */
export function checkMulticlassInputs(probabilities: ArrayLike<number>, labels: ArrayLike<number>, classes: number): void {
  if (!Number.isInteger(classes) || classes < 2 || classes > MAX_CLASSES) {
    throw new RangeError(`classes is ${classes}; pass an integer from 2 to ${MAX_CLASSES}`);
  }
  const n = labels.length;
  if (probabilities.length !== n * classes) {
    throw new RangeError(
      `${probabilities.length} probabilities for ${n} labels and ${classes} classes; pass ${n * classes} (one row of ${classes} per label, row-major)`,
    );
  }

  const tolerance = probabilities instanceof Float32Array ? ROW_SUM_TOLERANCE.float32 : ROW_SUM_TOLERANCE.float64;
  for (let row = 0; row < n; row += 1) {
    let rowSum = 0;
    for (let k = 0; k < classes; k += 1) {
      const value = probabilities[row * classes + k] as number;
      if (!(value >= 0 && value <= 1)) {
        throw new RangeError(`row ${row + 1}: probability ${value} of class ${k} is not in [0, 1]; pass softmax probabilities`);
      }
      rowSum += value;
    }
    if (!(Math.abs(rowSum - 1) <= tolerance)) {
      throw new RangeError(`row ${row + 1}: probabilities sum to ${rowSum}, not 1 within ${tolerance}; pass softmax probabilities`);
    }

    const label = labels[row] as number;
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) {
      throw new RangeError(`row ${row + 1}: label ${label} is not a class index; pass an integer from 0 to ${classes - 1}`);
    }
  }
}

/**
 * Runs the multi-class graph on a site's predictions and labels, in runs of at most
 * `chunkRows` rows whose sums are added.
 */
export async function computeMulticlassSiteSums(
  probabilities: Float64Array | Float32Array,
  labels: Float64Array,
  planInput: MulticlassPlanInput,
  graph: CompiledSiteGraph = compileMulticlassSiteGraph(planInput),
  chunkRows?: number,
): Promise<SiteTensors> {
  const plan = multiclassPlanSchema.parse(planInput);
  if (plan.dtype === 'float32' && !(probabilities instanceof Float32Array)) {
    throw new TypeError('the plan reads float32 probabilities; pass a Float32Array or set dtype to "float64"');
  }
  if (plan.dtype === 'float64' && !(probabilities instanceof Float64Array)) {
    throw new TypeError('the plan reads float64 probabilities; pass a Float64Array or set dtype to "float32"');
  }
  checkMulticlassInputs(probabilities, labels, plan.classes);

  const classes = plan.classes;
  const rowsPerRun = chunkRows ?? Math.max(1, Math.floor(CHUNK_CELLS / classes));
  return runSummingGraphInChunks(graph, labels.length, rowsPerRun, (start, end) => {
    const rows = probabilities.subarray(start * classes, end * classes);
    const feeds: Record<string, TensorValue> = {
      [plan.probabilities]: { dtype: plan.dtype, dims: [end - start, classes], data: rows },
      [plan.label]: float64Vector(labels.subarray(start, end)),
    };
    return feeds;
  });
}

/** Names and shapes of the multi-class site outputs, to validate and sum site updates. */
export function multiclassSiteLayout(planInput: MulticlassPlanInput): TensorLayout {
  const plan = multiclassPlanSchema.parse(planInput);
  return float64Layout({
    [multiclassOutputs.rows]: [],
    [multiclassOutputs.logLossSum]: [],
    [multiclassOutputs.brierSum]: [],
    [multiclassOutputs.confusion]: [plan.classes, plan.classes],
    [multiclassOutputs.scoreHistogram]: [plan.classes, 2, plan.bins],
  });
}
