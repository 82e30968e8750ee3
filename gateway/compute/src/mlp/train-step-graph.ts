import { GraphBuilder, ONNX_DATA_TYPE } from '../onnx/index.js';
import { ADAM, checkNetworkConfig, isSoftmax, outputWidth, parameterShapes, type NetworkConfig } from './network-config.js';

/** Names of the train-step graph's inputs and outputs; `<p>` is a parameter name such as `layer0.weight`. */
export const TRAIN_STEP_GRAPH = {
  x: 'x',
  y: 'y',
  learningRate: 'learning_rate',
  adamStep: 'adam_step',
  loss: 'loss',
  parameter: (name: string) => name,
  global: (name: string) => `global/${name}`,
  adamM: (name: string) => `adam_m/${name}`,
  adamV: (name: string) => `adam_v/${name}`,
  updated: (name: string) => `updated/${name}`,
  updatedAdamM: (name: string) => `updated_adam_m/${name}`,
  updatedAdamV: (name: string) => `updated_adam_v/${name}`,
} as const;

/**
 * Names of the prediction graph's input and output. `probability` is [b] for a sigmoid output
 * (the positive class) and [b, classes] for a softmax output (one column per class).
 */
export const PREDICT_GRAPH = { x: 'x', probability: 'probability' } as const;


interface ForwardPass {
  /** Input of each layer (x, then the hidden activations). */
  layerInputs: string[];
  /** Pre-activation of each layer. */
  preActivations: string[];
  /** Output logits: [b] for a sigmoid output, [b, classes] for a softmax output. */
  logit: string;
}

function buildForward(graph: GraphBuilder, config: NetworkConfig, x: string, parameters: string[]): ForwardPass {
  const layerCount = config.hiddenLayers.length + 1;
  const layerInputs: string[] = [];
  const preActivations: string[] = [];
  let activation = x;
  for (let layer = 0; layer < layerCount; layer += 1) {
    layerInputs.push(activation);
    const weight = parameters[2 * layer] as string;
    const bias = parameters[2 * layer + 1] as string;
    const preActivation = graph.op1('Add', [graph.op1('MatMul', [activation, weight]), bias]);
    preActivations.push(preActivation);
    activation = layer + 1 < layerCount ? graph.op1('Relu', [preActivation]) : preActivation;
  }
  const logit = isSoftmax(config) ? activation : graph.op1('Squeeze', [activation, graph.constant('int64', [1], [1n])]);
  return { layerInputs, preActivations, logit };
}

/**
 * Compiles one local training step on a mini-batch: forward pass, mean cross-entropy (binary for a
 * sigmoid output, categorical for a softmax output), analytic backward pass, optional FedProx
 * gradient μ·(w − w_global), and an SGD or Adam update.
 *
 * Inputs: `x` [b, d], `y` ([b] of 0/1 for a sigmoid output, [b, classes] one-hot rows for a
 * softmax output), `learning_rate` (a scalar), every parameter by name,
 * `global/<p>` when μ > 0, and for
 * Adam `adam_m/<p>`, `adam_v/<p>` and `adam_step` (the 1-based step t, a scalar). Outputs:
 * `updated/<p>`, for Adam `updated_adam_m/<p>` and `updated_adam_v/<p>`, and `loss` (the batch's
 * mean cross-entropy before the update, without the proximal term).
 *
 * Backward pass: with logit s and p = sigmoid(s), d loss / d s = (p − y) / b; with logits s and
 * p = softmax(s) per row, d loss / d s = (p − y) / b per class as well. A layer with input h
 * and output gradient δ gets ∂W = hᵀδ and ∂b = Σ_rows δ. The gradient passed down is δWᵀ masked by
 * the ReLU derivative (pre-activation > 0). Adam uses the bias-corrected step size
 * lr·√(1 − β2ᵗ)/(1 − β1ᵗ) of Kingma & Ba (2015), section 2.
 *
 * The learning rate is an input rather than a constant because onnxruntime 1.31 fuses a MatMul
 * followed by a multiplication with a constant scalar into one MatMul whose scale is a float32
 * attribute. That rounds a float64 learning rate such as 0.05 to about 8 significant digits.
 * `trainLocalEpochs` feeds the configured value, and the doc string records it for review.
 */
export function compileTrainStepGraph(input: NetworkConfig): Uint8Array {
  const config = checkNetworkConfig(input);
  const { dtype } = config;
  const shapes = parameterShapes(config);
  const names = TRAIN_STEP_GRAPH;
  const softmax = isSoftmax(config);
  const graph = new GraphBuilder(`train_step_${config.optimizer}`, {
    docString:
      `${classifierKind(config)} classifier training step; hidden layers: [${config.hiddenLayers.join(', ')}]; ${dtype}; ` +
      `optimizer: ${config.optimizer}; learning rate: ${config.learningRate}; proximal mu: ${config.proximalMu}; ` +
      `features in order: ${config.layout.join(', ')}`,
  });

  const scalar = (value: number): string => graph.constant(dtype, [], [value]);
  const axes0 = graph.constant('int64', [1], [0n]);
  const axes1 = graph.constant('int64', [1], [1n]);

  const x = graph.input(names.x, dtype, ['b', config.layout.length]);
  const y = graph.input(names.y, dtype, softmax ? ['b', outputWidth(config)] : ['b']);
  const learningRate = graph.input(names.learningRate, dtype, []);
  const parameters = shapes.map(({ name, shape }) => graph.input(names.parameter(name), dtype, shape));
  const globals =
    config.proximalMu > 0 ? shapes.map(({ name, shape }) => graph.input(names.global(name), dtype, shape)) : [];
  const adam = config.optimizer === 'adam';
  const adamStep = adam ? graph.input(names.adamStep, dtype, []) : '';
  const moments = adam
    ? shapes.map(({ name, shape }) => ({
        m: graph.input(names.adamM(name), dtype, shape),
        v: graph.input(names.adamV(name), dtype, shape),
      }))
    : [];

  const forward = buildForward(graph, config, x, parameters);
  const { logit } = forward;

  let delta: string;
  if (softmax) {
    // Mean categorical cross-entropy: −Σ_k y_k·log softmax(s)_k, with LogSoftmax's stable form.
    const rowLoss = graph.op1('ReduceSum', [graph.op1('Mul', [y, graph.op1('LogSoftmax', [logit], { axis: 1 })]), axes1], { keepdims: 0 });
    graph.op('Neg', [graph.op1('ReduceMean', [rowLoss], { keepdims: 0 })], {}, { name: names.loss });
    graph.output(names.loss, dtype, []);

    // Rows in the batch as a float [1], for the mean; y is [b, classes], so take its first dim.
    const batchSize = graph.op1('Cast', [graph.op1('Shape', [y], { end: 1 })], { to: ONNX_DATA_TYPE[dtype] });
    delta = graph.op1('Div', [graph.op1('Sub', [graph.op1('Softmax', [logit], { axis: 1 }), y]), batchSize]);
  } else {
    // Mean cross-entropy: log(1 + e^s) − y·s, with log(1 + e^s) = max(s, 0) + log(1 + e^−|s|).
    const softplus = graph.op1('Add', [
      graph.op1('Relu', [logit]),
      graph.op1('Log', [graph.op1('Add', [scalar(1), graph.op1('Exp', [graph.op1('Neg', [graph.op1('Abs', [logit])])])])]),
    ]);
    graph.op('ReduceMean', [graph.op1('Sub', [softplus, graph.op1('Mul', [y, logit])])], { keepdims: 0 }, { name: names.loss });
    graph.output(names.loss, dtype, []);

    // Batch size as a float, for the mean.
    const batchSize = graph.op1('Cast', [graph.op1('Shape', [y])], { to: ONNX_DATA_TYPE[dtype] });
    delta = graph.op1('Unsqueeze', [
      graph.op1('Div', [graph.op1('Sub', [graph.op1('Sigmoid', [logit]), y]), batchSize]),
      axes1,
    ]);
  }

  const gradients = new Array<string>(parameters.length);
  for (let layer = forward.layerInputs.length - 1; layer >= 0; layer -= 1) {
    const layerInput = forward.layerInputs[layer] as string;
    gradients[2 * layer] = graph.op1('MatMul', [graph.op1('Transpose', [layerInput], { perm: [1, 0] }), delta]);
    gradients[2 * layer + 1] = graph.op1('ReduceSum', [delta, axes0], { keepdims: 0 });
    if (layer > 0) {
      const weight = parameters[2 * layer] as string;
      const back = graph.op1('MatMul', [delta, graph.op1('Transpose', [weight], { perm: [1, 0] })]);
      const active = graph.op1('Cast', [graph.op1('Greater', [forward.preActivations[layer - 1] as string, scalar(0)])], {
        to: ONNX_DATA_TYPE[dtype],
      });
      delta = graph.op1('Mul', [back, active]);
    }
  }

  // Bias-corrected Adam step size, shared by every tensor.
  let adamRate = '';
  if (adam) {
    const correction1 = graph.op1('Sub', [scalar(1), graph.op1('Pow', [scalar(ADAM.beta1), adamStep])]);
    const correction2 = graph.op1('Sub', [scalar(1), graph.op1('Pow', [scalar(ADAM.beta2), adamStep])]);
    adamRate = graph.op1('Div', [graph.op1('Mul', [learningRate, graph.op1('Sqrt', [correction2])]), correction1]);
  }

  for (const [index, { name, shape }] of shapes.entries()) {
    const parameter = parameters[index] as string;
    let gradient = gradients[index] as string;
    if (config.proximalMu > 0) {
      const drift = graph.op1('Sub', [parameter, globals[index] as string]);
      gradient = graph.op1('Add', [gradient, graph.op1('Mul', [scalar(config.proximalMu), drift])]);
    }

    if (!adam) {
      graph.op('Sub', [parameter, graph.op1('Mul', [learningRate, gradient])], {}, { name: names.updated(name) });
    } else {
      const { m, v } = moments[index] as { m: string; v: string };
      graph.op(
        'Add',
        [graph.op1('Mul', [scalar(ADAM.beta1), m]), graph.op1('Mul', [scalar(1 - ADAM.beta1), gradient])],
        {},
        { name: names.updatedAdamM(name) },
      );
      graph.op(
        'Add',
        [graph.op1('Mul', [scalar(ADAM.beta2), v]), graph.op1('Mul', [scalar(1 - ADAM.beta2), graph.op1('Mul', [gradient, gradient])])],
        {},
        { name: names.updatedAdamV(name) },
      );
      const denominator = graph.op1('Add', [graph.op1('Sqrt', [names.updatedAdamV(name)]), scalar(ADAM.epsilon)]);
      const step = graph.op1('Mul', [adamRate, graph.op1('Div', [names.updatedAdamM(name), denominator])]);
      graph.op('Sub', [parameter, step], {}, { name: names.updated(name) });
      graph.output(names.updatedAdamM(name), dtype, shape);
      graph.output(names.updatedAdamV(name), dtype, shape);
    }
    graph.output(names.updated(name), dtype, shape);
  }

  return graph.toBytes();
}

/**
 * Compiles the forward pass alone: `x` [b, d] to `probability`, sigmoid(logit) [b] for a binary
 * network or softmax(logits) [b, classes] for a multi-class one.
 */
export function compilePredictGraph(input: NetworkConfig): Uint8Array {
  const config = checkNetworkConfig(input);
  const graph = new GraphBuilder('predict_probability', {
    docString: `${classifierKind(config)} classifier prediction; hidden layers: [${config.hiddenLayers.join(', ')}]; ${config.dtype}; features in order: ${config.layout.join(', ')}`,
  });
  const x = graph.input(PREDICT_GRAPH.x, config.dtype, ['b', config.layout.length]);
  const parameters = parameterShapes(config).map(({ name, shape }) => graph.input(name, config.dtype, shape));
  const { logit } = buildForward(graph, config, x, parameters);
  if (isSoftmax(config)) {
    graph.op('Softmax', [logit], { axis: 1 }, { name: PREDICT_GRAPH.probability });
    graph.output(PREDICT_GRAPH.probability, config.dtype, ['b', outputWidth(config)]);
  } else {
    graph.op('Sigmoid', [logit], {}, { name: PREDICT_GRAPH.probability });
    graph.output(PREDICT_GRAPH.probability, config.dtype, ['b']);
  }
  return graph.toBytes();
}

/**
 * Returns the doc string's first words. A binary network keeps the wording it had before softmax
 * outputs existed, so its graphs, and the SHA-256 a data officer approved, stay byte-identical.
 */
function classifierKind(config: NetworkConfig): string {
  return isSoftmax(config) ? `Multi-class (${config.output.classes} classes, softmax)` : 'Binary';
}
