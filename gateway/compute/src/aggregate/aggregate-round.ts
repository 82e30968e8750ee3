import { layoutOf, type TensorLayout, type TensorMap } from '../weights/tensor-map.js';
import { AggregationError } from './aggregation-error.js';
import {
  applyServerOptimizer,
  type ServerOptimizerConfig,
  type ServerOptimizerState,
} from './server-optimizer.js';
import { meanOfFloatTensors, sumUpdates, type UpdateWeighting } from './sum-updates.js';
import { validateUpdates, type SiteUpdate, type UpdateRejection } from './validate-update.js';

export interface AggregateRoundInput {
  /** Global weights the sites started this round from. */
  global: TensorMap;
  /** The sites' new weights with their sample counts. */
  updates: readonly SiteUpdate[];
  optimizer: ServerOptimizerConfig;
  state: ServerOptimizerState;
  /** Bound on ‖wᵢ − w‖₂ for each site; `Infinity` disables it. */
  maxL2Norm: number;
  /** Default `sample_count` (FedAvg). */
  weighting?: UpdateWeighting;
  /** Default: the layout of `global`. */
  layout?: TensorLayout;
}

export interface AggregateRoundResult {
  weights: TensorMap;
  state: ServerOptimizerState;
  /** Sites whose updates entered the mean. */
  acceptedSiteIds: string[];
  rejections: UpdateRejection[];
  totalSamples: number;
  pseudoGradientNorm: number;
}

/**
 * Runs one FedAvg-family round on the server: validates each site's weights against the model
 * layout and the norm bound, takes their mean weighted by sample count, and applies the server
 * optimiser. Raises `AggregationError` (with the rejections in the message) when no update is
 * valid; the caller then keeps the previous model and state.
 */
export function aggregateRound(input: AggregateRoundInput): AggregateRoundResult {
  const layout = input.layout ?? layoutOf(input.global);
  const { accepted, rejections } = validateUpdates(input.updates, {
    layout,
    maxL2Norm: input.maxL2Norm,
    reference: input.global,
  });

  if (accepted.length === 0) {
    const reasons = rejections.map((rejection) => `${rejection.siteId}: ${rejection.reason}`).join('; ');
    throw new AggregationError(
      'no_valid_update',
      `none of the ${input.updates.length} updates is valid; the previous model is kept (${reasons || 'no updates'})`,
    );
  }

  const sum = sumUpdates(accepted, { layout, weighting: input.weighting ?? 'sample_count' });
  const mean = meanOfFloatTensors(sum);
  const step = applyServerOptimizer(input.optimizer, input.global, mean, input.state, layout);

  return {
    weights: step.weights,
    state: step.state,
    acceptedSiteIds: sum.siteIds,
    rejections,
    totalSamples: sum.totalSamples,
    pseudoGradientNorm: step.pseudoGradientNorm,
  };
}
