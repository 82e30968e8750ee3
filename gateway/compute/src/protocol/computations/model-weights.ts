import { networkTensorLayout, type NetworkConfig } from '../../mlp/network-config.js';
import type { TensorMap } from '../../weights/tensor-map.js';

/**
 * Checks the weights a prediction job received against the network its spec compiles to: every
 * tensor present with the network's dtype and shape, no other tensor, and every value finite.
 * `what` names the computation in the message.
 */
export function checkModelWeights(config: NetworkConfig, weights: TensorMap, what: string): void {
  const layout = networkTensorLayout(config);
  const extra = Object.keys(weights).filter((name) => !Object.hasOwn(layout, name));
  if (extra.length > 0) {
    throw new RangeError(`${what}: weights ${extra.map((name) => `"${name}"`).join(', ')} are not part of this network (${Object.keys(layout).join(', ')}); remove them`);
  }
  for (const [name, tensor] of Object.entries(layout)) {
    const received = weights[name];
    if (!received) {
      throw new RangeError(`${what}: weight "${name}" is missing; this spec needs ${tensor.dtype} [${tensor.shape.join(', ')}]`);
    }
    if (received.dtype !== tensor.dtype || received.shape.join('x') !== tensor.shape.join('x')) {
      throw new RangeError(
        `${what}: weight "${name}" is ${received.dtype} [${received.shape.join(', ')}] but this spec needs ${tensor.dtype} [${tensor.shape.join(', ')}]; ` +
          'pass the weights of a version of this model',
      );
    }
    if (Array.from(received.data as ArrayLike<number>).some((value) => !Number.isFinite(value))) {
      throw new RangeError(`${what}: weight "${name}" has a missing or non-finite value; give every coefficient`);
    }
  }
}

