import { z } from 'zod';

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

/**
 * Log-loss clips probabilities to [ε, 1 − ε] so that a confident wrong prediction costs
 * −log(1e-15) ≈ 34.5 instead of infinity.
 */
export const LOG_LOSS_EPSILON = 1e-15;

/** Rows per run: the graph is O(n) in memory, so the limit only bounds the feed size. */
const CHUNK_ROWS = 1 << 20;


/** Inputs and score binning of the binary-classification metrics graph. */
export const classificationPlanSchema = z
  .object({
    /** Input name of the predicted probability of the positive class, in [0, 1]. */
    score: z.string().min(1).max(128),
    /** Input name of the observed class, 0 or 1. */
    label: z.string().min(1).max(128),
    /** A score at or above the threshold predicts the positive class; default 0.5. */
    threshold: z.number().min(0).max(1).default(0.5),
    /** Score histogram bins over [0, 1] per class, for the AUC and the ROC curve; default 1,000. */
    bins: z.number().int().min(2).max(1_000_000).default(1000),
    dtype: z.enum(['float32', 'float64']).default('float64'),
  })
  .strict()
  .refine((plan) => plan.score !== plan.label, { message: 'score and label must be different inputs', path: ['label'] });

export type ClassificationPlan = z.infer<typeof classificationPlanSchema>;
export type ClassificationPlanInput = z.input<typeof classificationPlanSchema>;

/** Output names of the classification site graph; every output is a float64 sum over rows. */
export const classificationOutputs = {
  rows: 'metrics/rows',
  positives: 'metrics/positives',
  truePositives: 'metrics/true_positives',
  falsePositives: 'metrics/false_positives',
  logLossSum: 'metrics/log_loss_sum',
  brierSum: 'metrics/brier_sum',
  /** `[2, bins]`: row 0 counts negatives, row 1 positives, by score bin. */
  scoreHistogram: 'metrics/score_histogram',
} as const;

/**
 * Compiles the site graph of binary-classification metrics. Per row it forms the prediction
 * (score ≥ threshold), the clipped log-loss term −[y log p + (1 − y) log(1 − p)], the Brier term
 * (p − y)² and the score bin min(⌊p · bins⌋, bins − 1). It returns their sums and a per-class
 * histogram of bins, filled by `ScatterElements` with reduction "add". Sums are taken in float64
 * whatever the score dtype.
 */
export function compileClassificationSiteGraph(planInput: ClassificationPlanInput): CompiledSiteGraph {
  const plan = classificationPlanSchema.parse(planInput);
  const graph = new GraphBuilder('classification_metrics', {
    docString: `Onsite binary-classification metric sums; plan ${JSON.stringify(plan)}`,
  });
  const outputNames: string[] = [];
  const emit = (value: string, name: string, shape: number[]): void => {
    graph.op('Identity', [value], {}, { name });
    graph.output(name, 'float64', shape);
    outputNames.push(name);
  };

  const scoreInput = graph.input(plan.score, plan.dtype, ['n']);
  const y = graph.input(plan.label, 'float64', ['n']);
  const rawScore = plan.dtype === 'float64' ? scoreInput : graph.op1('Cast', [scoreInput], { to: ONNX_DATA_TYPE.float64 });
  const constant = (value: number): string => graph.constant('float64', [], [value]);
  const one = constant(1);
  const sum = (value: string): string => graph.op1('ReduceSum', [value], { keepdims: 0 });

  const p = graph.op1('Clip', [rawScore, constant(0), one]);
  const notY = graph.op1('Sub', [one, y]);
  const predicted = graph.op1('Cast', [graph.op1('GreaterOrEqual', [p, constant(plan.threshold)])], { to: ONNX_DATA_TYPE.float64 });

  const rowsVector = graph.op1('Cast', [graph.op1('Shape', [y])], { to: ONNX_DATA_TYPE.float64 });
  emit(graph.op1('Squeeze', [rowsVector, graph.constant('int64', [1], [0])]), classificationOutputs.rows, []);
  emit(sum(y), classificationOutputs.positives, []);
  emit(sum(graph.op1('Mul', [y, predicted])), classificationOutputs.truePositives, []);
  emit(sum(graph.op1('Mul', [notY, predicted])), classificationOutputs.falsePositives, []);

  const clipped = graph.op1('Clip', [p, constant(LOG_LOSS_EPSILON), constant(1 - LOG_LOSS_EPSILON)]);
  const logP = graph.op1('Log', [clipped]);
  const logNotP = graph.op1('Log', [graph.op1('Sub', [one, clipped])]);
  const logLikelihood = graph.op1('Add', [graph.op1('Mul', [y, logP]), graph.op1('Mul', [notY, logNotP])]);
  emit(graph.op1('Neg', [sum(logLikelihood)]), classificationOutputs.logLossSum, []);

  const error = graph.op1('Sub', [p, y]);
  emit(sum(graph.op1('Mul', [error, error])), classificationOutputs.brierSum, []);

  const bin = graph.op1('Min', [graph.op1('Floor', [graph.op1('Mul', [p, constant(plan.bins)])]), constant(plan.bins - 1)]);
  const cell = graph.op1('Add', [
    graph.op1('Cast', [graph.op1('Mul', [y, constant(plan.bins)])], { to: ONNX_DATA_TYPE.int64 }),
    graph.op1('Cast', [bin], { to: ONNX_DATA_TYPE.int64 }),
  ]);
  const ones = graph.op1('Add', [graph.op1('Mul', [y, constant(0)]), one]);
  const flat = graph.op1('ScatterElements', [graph.constant('float64', [2 * plan.bins], new Float64Array(2 * plan.bins)), cell, ones], {
    axis: 0,
    reduction: 'add',
  });
  emit(graph.op1('Reshape', [flat, graph.constant('int64', [2], [2, plan.bins])]), classificationOutputs.scoreHistogram, [2, plan.bins]);

  return finishSiteGraph(graph, [plan.score, plan.label], outputNames);
}

/** Checks scores and labels before they reach the graph, naming the first bad row. */
export function checkScoresAndLabels(score: ArrayLike<number>, label: ArrayLike<number>): void {
  if (score.length !== label.length) {
    throw new RangeError(`${score.length} scores but ${label.length} labels; pass one score per labelled row`);
  }
  for (let row = 0; row < score.length; row += 1) {
    const value = score[row] as number;
    if (!(value >= 0 && value <= 1)) {
      throw new RangeError(`row ${row + 1}: score ${value} is not a probability in [0, 1]; pass predicted probabilities`);
    }
    const y = label[row] as number;
    if (y !== 0 && y !== 1) {
      throw new RangeError(`row ${row + 1}: label ${y} must be 0 or 1`);
    }
  }
}

/** Runs the classification graph on a site's predictions and labels. */
export async function computeClassificationSiteSums(
  score: Float64Array | Float32Array,
  label: Float64Array,
  planInput: ClassificationPlanInput,
  graph: CompiledSiteGraph = compileClassificationSiteGraph(planInput),
): Promise<SiteTensors> {
  const plan = classificationPlanSchema.parse(planInput);
  checkScoresAndLabels(score, label);
  if (plan.dtype === 'float32' && !(score instanceof Float32Array)) {
    throw new TypeError('the plan reads float32 scores; pass a Float32Array or set dtype to "float64"');
  }
  if (plan.dtype === 'float64' && !(score instanceof Float64Array)) {
    throw new TypeError('the plan reads float64 scores; pass a Float64Array or set dtype to "float32"');
  }

  return runSummingGraphInChunks(graph, label.length, CHUNK_ROWS, (start, end) => {
    const scores = score.subarray(start, end);
    const feeds: Record<string, TensorValue> = {
      [plan.score]: { dtype: plan.dtype, dims: [scores.length], data: scores },
      [plan.label]: float64Vector(label.subarray(start, end)),
    };
    return feeds;
  });
}

/** Names and shapes of the classification site outputs, to validate and sum site updates. */
export function classificationSiteLayout(planInput: ClassificationPlanInput): TensorLayout {
  const plan = classificationPlanSchema.parse(planInput);
  const shapes: Record<string, number[]> = { [classificationOutputs.scoreHistogram]: [2, plan.bins] };
  for (const name of Object.values(classificationOutputs)) {
    shapes[name] ??= [];
  }
  return float64Layout(shapes);
}
