import type { NetworkConfig } from '../mlp/network-config.js';
import type { NamedTensor, TensorMap } from '../weights/tensor-map.js';
import { INTERCEPT } from './logistic-site-graph.js';

/**
 * Network configuration of a logistic regression trained by FedAvg: no hidden layer and float64,
 * so that the site trains with `trainLocalEpochs` and the server averages with
 * `aggregateNetworkRound`, like any network. `layer0.weight` contains the slopes (layout order) and
 * `layer0.bias` the intercept.
 */
export function logisticNetworkConfig(
  layout: readonly string[],
  optimizer: { local: 'sgd' | 'adam'; learningRate: number; proximalMu: number },
): NetworkConfig {
  return {
    layout: [...layout],
    hiddenLayers: [],
    dtype: 'float64',
    optimizer: optimizer.local,
    learningRate: optimizer.learningRate,
    proximalMu: optimizer.proximalMu,
  };
}

/** Reads the coefficients of a FedAvg-trained logistic model by name, intercept first. */
export function logisticCoefficientsFromWeights(layout: readonly string[], weights: TensorMap): Record<string, number> {
  const slopes = weights['layer0.weight'] as NamedTensor | undefined;
  const intercept = weights['layer0.bias'] as NamedTensor | undefined;
  if (slopes === undefined || intercept === undefined || slopes.data.length !== layout.length || intercept.data.length !== 1) {
    throw new RangeError(
      `logisticCoefficientsFromWeights: expected layer0.weight [${layout.length}, 1] and layer0.bias [1]; ` +
        'pass weights trained with logisticNetworkConfig',
    );
  }
  const coefficients: Record<string, number> = { [INTERCEPT]: Number(intercept.data[0]) };
  layout.forEach((name, index) => (coefficients[name] = Number(slopes.data[index])));
  return coefficients;
}
