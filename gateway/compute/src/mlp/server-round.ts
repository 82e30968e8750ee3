import {
  applyServerOptimizer,
  type ServerOptimizerConfig,
  type ServerOptimizerState,
} from '../aggregate/server-optimizer.js';
import { meanOfFloatTensors, sumUpdates } from '../aggregate/sum-updates.js';
import { validateUpdates, type SiteUpdate, type UpdateRejection } from '../aggregate/validate-update.js';
import type { TensorMap } from '../weights/tensor-map.js';
import { networkTensorLayout, type NetworkConfig } from './network-config.js';

/** Outcome of one FedAvg-family round on the server. */
export interface NetworkRoundResult {
  weights: TensorMap;
  state: ServerOptimizerState;
  /** Updates left out, with the reason; the rest were averaged. */
  rejections: UpdateRejection[];
  totalSamples: number;
  pseudoGradientNorm: number;
}

/**
 * Combines the sites' new weights into the next global model. Each update is validated against
 * the network's layout, and its change from the global model against `maxUpdateNorm`. The accepted
 * ones are averaged weighted by sample count (Σ nᵢwᵢ / Σ nᵢ), then the server optimiser (FedAvg,
 * FedAvgM, FedAdam, FedYogi or FedAdagrad) takes its step. Raises `AggregationError` when no
 * update is usable, and the caller then keeps the previous weights and state.
 */
export function aggregateNetworkRound(options: {
  config: NetworkConfig;
  optimizer: ServerOptimizerConfig;
  global: TensorMap;
  state: ServerOptimizerState;
  updates: readonly SiteUpdate[];
  /** Bound on ‖wᵢ − w_global‖₂ of each site; Infinity disables it. */
  maxUpdateNorm: number;
}): NetworkRoundResult {
  const layout = networkTensorLayout(options.config);
  const { accepted, rejections } = validateUpdates(options.updates, {
    layout,
    maxL2Norm: options.maxUpdateNorm,
    reference: options.global,
  });
  const sum = sumUpdates(accepted, { layout, weighting: 'sample_count' });
  const mean = meanOfFloatTensors(sum);
  const result = applyServerOptimizer(options.optimizer, options.global, mean, options.state, layout);
  return {
    weights: result.weights,
    state: result.state,
    rejections,
    totalSamples: sum.totalSamples,
    pseudoGradientNorm: result.pseudoGradientNorm,
  };
}
