import { checkLayout } from '../cox/cox-site-graph.js';
import type { TensorLayout } from '../weights/tensor-map.js';

/**
 * A fully connected binary classifier: ReLU hidden layers and one sigmoid output. With no hidden
 * layer it is logistic regression, which FedAvg-trained logistic models use.
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
  return { ...config, layout: [...config.layout], hiddenLayers: [...config.hiddenLayers] };
}

/** Lists the trainable tensors in layer order, weight before bias. */
export function parameterShapes(config: NetworkConfig): ParameterShape[] {
  const widths = [config.layout.length, ...config.hiddenLayers, 1];
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
