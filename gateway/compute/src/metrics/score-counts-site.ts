import { GraphBuilder, ONNX_DATA_TYPE, runGraph } from '../onnx/index.js';
import { finishSiteGraph, float64Vector, readFloat64, type CompiledSiteGraph, type SiteTensors } from '../stats/site-graph.js';
import { checkScoresAndLabels } from './classification-site.js';

export const SCORE_VALUES_OUTPUT = 'metrics/score_values';
/** `[scores, 2]`: negatives and positives per distinct score. */
export const SCORE_COUNTS_OUTPUT = 'metrics/score_counts';


/** Rows per distinct score and class, for the exact AUC. Sites with the same score add their rows. */
export interface ScoreCounts {
  /** Ascending, distinct. */
  score: number[];
  negatives: number[];
  positives: number[];
}

/**
 * Compiles the site graph for the exact AUC: `Unique` sorts the distinct scores and a
 * scatter-add counts each class per score. It reveals every distinct score, so use it only where
 * the site policy allows; the binned histogram of the classification graph reveals bins only.
 * Inputs: `score` (float32 or float64) and `label` (float64, 0 or 1), named as given.
 */
export function compileScoreCountsSiteGraph(names: { score: string; label: string; dtype?: 'float32' | 'float64' }): CompiledSiteGraph {
  const dtype = names.dtype ?? 'float64';
  if (names.score === names.label) {
    throw new RangeError(`score and label must be different inputs, but both are "${names.score}"`);
  }
  const graph = new GraphBuilder('score_counts', { docString: `Onsite exact-AUC counts per distinct score; ${JSON.stringify({ ...names, dtype })}` });
  const scoreInput = graph.input(names.score, dtype, ['n']);
  const y = graph.input(names.label, 'float64', ['n']);
  const score = dtype === 'float64' ? scoreInput : graph.op1('Cast', [scoreInput], { to: ONNX_DATA_TYPE.float64 });

  const [distinct, , inverse] = graph.op('Unique', [score], { sorted: 1 }, { outputs: 4 }) as [string, string, string, string];
  graph.op('Identity', [distinct], {}, { name: SCORE_VALUES_OUTPUT });
  graph.output(SCORE_VALUES_OUTPUT, 'float64', ['scores']);

  // Cell = distinct-score index × 2 + label.
  const cell = graph.op1('Add', [
    graph.op1('Mul', [inverse, graph.constant('int64', [], [2])]),
    graph.op1('Cast', [y], { to: ONNX_DATA_TYPE.int64 }),
  ]);
  const cellCount = graph.op1('Mul', [graph.op1('Shape', [distinct]), graph.constant('int64', [1], [2])]);
  const zeros = graph.op1('ConstantOfShape', [cellCount], { value: { type: 'tensor', dtype: 'float64', shape: [1], values: [0] } });
  const ones = graph.op1('Add', [graph.op1('Mul', [y, graph.constant('float64', [], [0])]), graph.constant('float64', [], [1])]);
  const flat = graph.op1('ScatterElements', [zeros, cell, ones], { axis: 0, reduction: 'add' });
  graph.op('Reshape', [flat, graph.constant('int64', [2], [-1, 2])], {}, { name: SCORE_COUNTS_OUTPUT });
  graph.output(SCORE_COUNTS_OUTPUT, 'float64', ['scores', 2]);

  return finishSiteGraph(graph, [names.score, names.label], [SCORE_VALUES_OUTPUT, SCORE_COUNTS_OUTPUT]);
}

/** Runs the exact-score graph on a site's predictions and returns the tensors and the counts. */
export async function computeScoreCounts(
  score: Float64Array | Float32Array,
  label: Float64Array,
  names: { score: string; label: string },
  graph?: CompiledSiteGraph,
): Promise<{ tensors: SiteTensors; counts: ScoreCounts }> {
  checkScoresAndLabels(score, label);
  const dtype = score instanceof Float32Array ? 'float32' : 'float64';
  const compiled = graph ?? compileScoreCountsSiteGraph({ ...names, dtype });
  const tensors = await runGraph(compiled.bytes, {
    [names.score]: { dtype, dims: [score.length], data: score },
    [names.label]: float64Vector(label),
  });
  return { tensors, counts: scoreCountsFromTensors(tensors) };
}

/** Reads exact-score tensors back as counts. */
export function scoreCountsFromTensors(tensors: SiteTensors): ScoreCounts {
  const score = Array.from(readFloat64(tensors, SCORE_VALUES_OUTPUT));
  const cells = readFloat64(tensors, SCORE_COUNTS_OUTPUT);
  if (cells.length !== 2 * score.length) {
    throw new RangeError(`score counts hold ${cells.length} cells for ${score.length} scores; ${2 * score.length} were expected`);
  }
  return {
    score,
    negatives: score.map((_, i) => cells[2 * i] as number),
    positives: score.map((_, i) => cells[2 * i + 1] as number),
  };
}

/** Adds score counts from several sites, matching rows by score value. */
export function sumScoreCounts(parts: readonly ScoreCounts[]): ScoreCounts {
  const byScore = new Map<number, [number, number]>();
  for (const [index, part] of parts.entries()) {
    if (part.negatives.length !== part.score.length || part.positives.length !== part.score.length) {
      throw new RangeError(`score counts of site ${index} have ${part.score.length} scores but unequal count arrays`);
    }
    part.score.forEach((score, i) => {
      if (!Number.isFinite(score)) {
        throw new RangeError(`score counts of site ${index}: score ${i} is ${score}; scores must be finite`);
      }
      const cell = byScore.get(score) ?? [0, 0];
      cell[0] += part.negatives[i] as number;
      cell[1] += part.positives[i] as number;
      byScore.set(score, cell);
    });
  }
  const score = [...byScore.keys()].sort((a, b) => a - b);
  return {
    score,
    negatives: score.map((value) => byScore.get(value)![0]),
    positives: score.map((value) => byScore.get(value)![1]),
  };
}
