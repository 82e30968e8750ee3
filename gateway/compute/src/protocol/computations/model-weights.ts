import { networkTensorLayout, type NetworkConfig } from '../../mlp/network-config.js';
import type { TensorMap } from '../../weights/tensor-map.js';

/**
 * Checks the weights a prediction job was given against the network its spec compiles to: every
 * tensor present with the network's dtype and shape, and every value finite. `what` names the
 * computation in the message.
 */
export function checkModelWeights(config: NetworkConfig, weights: TensorMap, what: string): void {
  for (const [name, tensor] of Object.entries(networkTensorLayout(config))) {
    const given = weights[name];
    if (!given || given.dtype !== tensor.dtype || given.shape.join('x') !== tensor.shape.join('x')) {
      throw new RangeError(`${what}: weight "${name}" must be ${tensor.dtype} [${tensor.shape.join(', ')}] for this spec`);
    }
    if (Array.from(given.data as ArrayLike<number>).some((value) => !Number.isFinite(value))) {
      throw new RangeError(`${what}: weight "${name}" has a missing or non-finite value; give every coefficient`);
    }
  }
}
