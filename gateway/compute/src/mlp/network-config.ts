import { checkLayout } from '../cox/cox-site-graph.js';
import type { TensorLayout } from '../weights/tensor-map.js';

/**
 * Output layer: one sigmoid unit for a binary outcome, or a softmax over one unit per class for a
 * multi-class outcome (output k is the probability of the spec's `outcome.levels[k]`).
 */
export type NetworkOutput = { activation: 'sigmoid' } | { activation: 'softmax'; classes: number };

/** Largest number of classes a softmax output takes, as the spec's `outcome.levels` allows. */
export const MAX_CLASSES = 64;

/**
 * A fully connected classifier: ReLU hidden layers and a sigmoid or softmax output. With no hidden
 * layer and a sigmoid it is logistic regression, which FedAvg-trained logistic models use.
 */
export interface NetworkConfig {
  /** Input feature names, in the column order of x. */
  layout: string[];
  /** Widths of the hidden layers; empty for logistic regression. */
  hiddenLayers: number[];
  dtype: 'float32' | 'float64';
  /** Local optimiser of each site. */
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  /** FedProx coefficient μ of the proximal term μ/2·‖w − w_global‖²; 0 turns it off. */
  proximalMu: number;
  /**
   * Output layer; absent means one sigmoid unit. Optional so that configurations stored before
   * softmax outputs existed still read as the binary networks they are.
   */
  output?: NetworkOutput;
}

/** Units of the output layer: 1 for a sigmoid, one per class for a softmax. */
export function outputWidth(config: NetworkConfig): number {
  return config.output?.activation === 'softmax' ? config.output.classes : 1;
}

/** Returns the classes the network distinguishes: 2 for a sigmoid output, one per unit for a softmax. */
export function classCount(config: NetworkConfig): number {
  return outputWidth(config) === 1 ? 2 : outputWidth(config);
}

/** Tells whether the network ends in a softmax over several classes. */
export function isSoftmax(config: NetworkConfig): config is NetworkConfig & { output: { activation: 'softmax'; classes: number } } {
  return config.output?.activation === 'softmax';
}

/** Adam constants from Kingma & Ba (2015), section 2: β1 = 0.9, β2 = 0.999, ε = 1e-8. */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

/** One trainable tensor: `layer<k>.weight` (inputs × outputs) or `layer<k>.bias` (outputs). */
export interface ParameterShape {
  name: string;
  shape: number[];
}

/** Checks a configuration and returns it with copied arrays; throws naming the wrong setting. */
export function checkNetworkConfig(config: NetworkConfig): NetworkConfig {
  checkLayout(config.layout, 'network config');
  for (const width of config.hiddenLayers) {
    if (!Number.isInteger(width) || width < 1) {
      throw new RangeError(`network config: hidden layer width ${width} is invalid; use a positive integer`);
    }
  }
  if (config.dtype !== 'float32' && config.dtype !== 'float64') {
    throw new RangeError(`network config: dtype "${String(config.dtype)}" is invalid; use "float32" or "float64"`);
  }
  if (config.optimizer !== 'sgd' && config.optimizer !== 'adam') {
    throw new RangeError(`network config: optimizer "${String(config.optimizer)}" is invalid; use "sgd" or "adam"`);
  }
  if (!(config.learningRate > 0) || !Number.isFinite(config.learningRate)) {
    throw new RangeError(`network config: learning rate ${config.learningRate} is invalid; use a positive number`);
  }
  if (!(config.proximalMu >= 0) || !Number.isFinite(config.proximalMu)) {
    throw new RangeError(`network config: proximal mu ${config.proximalMu} is invalid; use 0 or a positive number`);
  }
  const output = config.output;
  if (output === undefined || output.activation === 'sigmoid') {
    return { ...config, layout: [...config.layout], hiddenLayers: [...config.hiddenLayers] };
  }
  if (output.activation !== 'softmax') {
    throw new RangeError(
      `network config: output activation "${String((output as { activation: unknown }).activation)}" is invalid; use "sigmoid" or "softmax"`,
    );
  }
  if (!Number.isInteger(output.classes) || output.classes < 2 || output.classes > MAX_CLASSES) {
    throw new RangeError(`network config: softmax classes ${output.classes} is invalid; use an integer from 2 to ${MAX_CLASSES}`);
  }
  return { ...config, layout: [...config.layout], hiddenLayers: [...config.hiddenLayers], output: { ...output } };
}

/** Lists the trainable tensors in layer order, weight before bias. */
export function parameterShapes(config: NetworkConfig): ParameterShape[] {
  const widths = [config.layout.length, ...config.hiddenLayers, outputWidth(config)];
  const shapes: ParameterShape[] = [];
  for (let layer = 0; layer + 1 < widths.length; layer += 1) {
    const inputs = widths[layer] as number;
    const outputs = widths[layer + 1] as number;
    shapes.push({ name: `layer${layer}.weight`, shape: [inputs, outputs] });
    shapes.push({ name: `layer${layer}.bias`, shape: [outputs] });
  }
  return shapes;
}

/** Returns the weights layout that site updates must match, for the aggregate module. */
export function networkTensorLayout(config: NetworkConfig): TensorLayout {
  const dtype = config.dtype === 'float32' ? 'F32' : 'F64';
  return Object.fromEntries(parameterShapes(config).map(({ name, shape }) => [name, { dtype, shape }]));
}
