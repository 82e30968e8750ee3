import { attr, GraphBuilder, type TensorDtype } from '../graph-builder.js';

/**
 * Builds a small graph with the operators Onsite's survival and regression graphs rely on:
 * `score = x · beta`, `risk = reverse cumulative sum of exp(score)` (the Cox risk-set sum over rows
 * sorted by time), `picked = risk[index]` and `clipped = where(score > 0, score, 0)`.
 */
export function buildSampleGraph(dtype: TensorDtype): Uint8Array {
  const graph = new GraphBuilder(`sample_${dtype}`, { docString: 'MatMul, CumSum, Gather and Where check' });

  const x = graph.input('x', dtype, ['n', 3]);
  const index = graph.input('index', 'int64', ['k']);
  const beta = graph.initializer('beta', dtype, [3, 1], [0.5, -0.25, 0.125]);

  const score2d = graph.op1('MatMul', [x, beta]);
  const score = graph.op('Squeeze', [score2d, graph.constant('int64', [1], [1])], {}, { name: 'score' })[0] as string;
  const expScore = graph.op1('Exp', [score]);
  const axis = graph.constant('int64', [], [0]);
  const risk = graph.op('CumSum', [expScore, axis], { reverse: 1 }, { name: 'risk' })[0] as string;
  graph.op('Gather', [risk, index], { axis: 0 }, { name: 'picked' });

  const zero = graph.constant(dtype, [], [0]);
  const positive = graph.op1('Greater', [score, zero]);
  graph.op('Where', [positive, score, zero], {}, { name: 'clipped' });
  graph.op('LeakyRelu', [score], { alpha: attr.float(0.5) }, { name: 'leaky' });

  graph.output('score', dtype, ['n']);
  graph.output('risk', dtype, ['n']);
  graph.output('picked', dtype, ['k']);
  graph.output('clipped', dtype, ['n']);
  graph.output('leaky', dtype, ['n']);
  return graph.toBytes();
}
