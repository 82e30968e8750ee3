import { attr, GraphBuilder } from '../onnx/index.js';
import { checkLayout } from '../cox/cox-site-graph.js';

/** Name of the intercept coefficient, as R's `glm` names it. */
export const INTERCEPT = '(Intercept)';

/** Input and output names of the logistic Newton site graph. */
export const LOGISTIC_SITE_GRAPH = {
  inputs: { x: 'x', y: 'y', beta: 'beta', useStart: 'use_start' },
  outputs: {
    gradient: 'gradient',
    hessian: 'hessian',
    workingResponse: 'working_response',
    deviance: 'deviance',
    n: 'n',
    sumY: 'sum_y',
    boundaryFitted: 'boundary_fitted',
  },
} as const;

/** Coefficient names of a logistic model: the intercept, then the layout. */
export function logisticCoefficientNames(layout: readonly string[]): string[] {
  return [INTERCEPT, ...layout];
}

/**
 * Compiles the float64 graph that returns one site's IRLS sums for a logistic regression with an
 * intercept, at `beta` (intercept first, then the layout) or, when `use_start` is true, at R
 * glm.fit's starting values (μ = (y + 0.5) / 2, so η = ±log 3).
 *
 * Outputs, with X the design matrix [1, x], μ = sigmoid(η) and W = diag(μ(1 - μ)):
 * `gradient` Xᵀ(y - μ), `hessian` XᵀWX, `working_response` XᵀWz with z = η + (y - μ) / (μ(1 - μ))
 * (written as XᵀWη + Xᵀ(y - μ), which needs no division), `deviance` 2·Σ[log(1 + e^η) - y·η]
 * (the binomial deviance for 0/1 outcomes), `n`, `sum_y` and `boundary_fitted`, the number of
 * rows with μ < 10ε or μ > 1 − 10ε (ε the float64 machine epsilon), for which R's glm.fit warns
 * "fitted probabilities numerically 0 or 1 occurred". The server's IRLS step solves
 * (XᵀWX)·β = XᵀWz, which at a β where η = Xβ is the Newton step β + (XᵀWX)⁻¹Xᵀ(y - μ).
 */
export function compileLogisticSiteGraph(layout: readonly string[]): Uint8Array {
  checkLayout(layout, 'compileLogisticSiteGraph');
  const p = layout.length;
  const q = p + 1;
  const { inputs, outputs } = LOGISTIC_SITE_GRAPH;

  const graph = new GraphBuilder('logistic_irls_site_sums', {
    docString: `Logistic regression IRLS site sums; coefficients in order: ${logisticCoefficientNames(layout).join(', ')}`,
  });
  const x = graph.input(inputs.x, 'float64', ['n', p]);
  const y = graph.input(inputs.y, 'float64', ['n']);
  const beta = graph.input(inputs.beta, 'float64', [q]);
  const useStart = graph.input(inputs.useStart, 'bool', []);

  const axes0 = graph.constant('int64', [1], [0n]);
  const axes1 = graph.constant('int64', [1], [1n]);
  const oneFloat = graph.constant('float64', [], [1]);
  const twoFloat = graph.constant('float64', [], [2]);
  const logThree = graph.constant('float64', [], [Math.log(3)]);
  const column = (vector: string): string => graph.op1('Unsqueeze', [vector, axes1]);
  const sumRows = (value: string): string => graph.op1('ReduceSum', [value, axes0], { keepdims: 0 });

  // Design matrix with a leading column of ones.
  const rowCount = graph.op1('Slice', [graph.op1('Shape', [x]), graph.constant('int64', [1], [0n]), graph.constant('int64', [1], [1n])]);
  const onesShape = graph.op1('Concat', [rowCount, graph.constant('int64', [1], [1n])], { axis: 0 });
  const ones = graph.op1('ConstantOfShape', [onesShape], { value: attr.tensor('float64', [1], [1]) });
  const design = graph.op1('Concat', [ones, x], { axis: 1 });

  // Linear predictor: Xβ, or glm.fit's start η = log(3)·(2y - 1).
  const startEta = graph.op1('Mul', [logThree, graph.op1('Sub', [graph.op1('Mul', [twoFloat, y]), oneFloat])]);
  const eta = graph.op1('Where', [useStart, startEta, graph.op1('MatMul', [design, beta])]);

  const mu = graph.op1('Sigmoid', [eta]);
  const weight = graph.op1('Mul', [mu, graph.op1('Sub', [oneFloat, mu])]);
  const residual = graph.op1('Sub', [y, mu]);
  const designT = graph.op1('Transpose', [design], { perm: [1, 0] });

  // log(1 + e^η) = max(η, 0) + log(1 + e^-|η|), finite for any η.
  const softplus = graph.op1('Add', [
    graph.op1('Relu', [eta]),
    graph.op1('Log', [graph.op1('Add', [oneFloat, graph.op1('Exp', [graph.op1('Neg', [graph.op1('Abs', [eta])])])])]),
  ]);
  const devianceTerms = graph.op1('Sub', [softplus, graph.op1('Mul', [y, eta])]);

  // Xᵀv is computed as a [q, n]×[n, 1] product and squeezed. NOTE: onnxruntime 1.31.1 (web and
  // node, float32 and float64, optimisation level "all") returns X·v instead of Xᵀ·v for a
  // Transpose followed by a MatMul whose right operand is 1-D, so no vector is passed as 1-D here.
  const transposeTimes = (vector: string, name: string): void => {
    graph.op('Squeeze', [graph.op1('MatMul', [designT, column(vector)]), axes1], {}, { name });
  };
  transposeTimes(residual, outputs.gradient);
  graph.op('MatMul', [designT, graph.op1('Mul', [design, column(weight)])], {}, { name: outputs.hessian });
  transposeTimes(graph.op1('Add', [graph.op1('Mul', [weight, eta]), residual]), outputs.workingResponse);
  graph.op('Mul', [twoFloat, sumRows(devianceTerms)], {}, { name: outputs.deviance });
  // Cast target 11 is ONNX TensorProto.DOUBLE.
  graph.op('Cast', [rowCount], { to: 11 }, { name: outputs.n });
  graph.op('ReduceSum', [y, axes0], { keepdims: 0 }, { name: outputs.sumY });

  graph.output(outputs.gradient, 'float64', [q]);
  graph.output(outputs.hessian, 'float64', [q, q]);
  graph.output(outputs.workingResponse, 'float64', [q]);
  graph.output(outputs.deviance, 'float64', []);
  graph.output(outputs.n, 'float64', [1]);
  graph.output(outputs.sumY, 'float64', []);

  const boundary = 10 * Number.EPSILON;
  const atBoundary = graph.op1('Or', [
    graph.op1('Less', [mu, graph.constant('float64', [], [boundary])]),
    graph.op1('Greater', [mu, graph.constant('float64', [], [1 - boundary])]),
  ]);
  graph.op('ReduceSum', [graph.op1('Cast', [atBoundary], { to: 11 }), axes0], { keepdims: 0 }, { name: outputs.boundaryFitted });
  graph.output(outputs.boundaryFitted, 'float64', []);
  return graph.toBytes();
}
