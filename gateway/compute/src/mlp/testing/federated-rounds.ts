import { createServerOptimizerState, serverOptimizerConfig } from '../../aggregate/server-optimizer.js';
import type { BinarySiteData } from '../../logistic/binary-site-data.js';
import type { TensorMap } from '../../weights/tensor-map.js';
import { trainLocalEpochs } from '../local-training.js';
import { networkTensorLayout, type NetworkConfig } from '../network-config.js';
import { deriveSeed } from '../seeded-random.js';
import { aggregateNetworkRound } from '../server-round.js';

/**
 * Runs FedAvg rounds in-process for the tests: every site trains `localEpochs` from the global
 * weights with a seed derived from `seed`, site and round, and the server averages by sample
 * count. Throws when the server leaves an update out, because these tests feed valid updates only.
 */
export async function runFedAvgRounds(options: {
  graph: Uint8Array;
  config: NetworkConfig;
  sites: readonly BinarySiteData[];
  initial: TensorMap;
  rounds: number;
  localEpochs: number;
  batchSize: number;
  seed: number;
}): Promise<TensorMap> {
  const { graph, config, sites } = options;
  const optimizer = serverOptimizerConfig({ name: 'fedavg' });
  let global = options.initial;
  let state = createServerOptimizerState(optimizer, networkTensorLayout(config));

  for (let round = 0; round < options.rounds; round += 1) {
    const updates = await Promise.all(
      sites.map(async (data, site) => {
        const seed = deriveSeed(options.seed, site, round);
        const result = await trainLocalEpochs({ graph, config, data, weights: global, epochs: options.localEpochs, batchSize: options.batchSize, seed });
        return { siteId: `site-${site}`, sampleCount: result.sampleCount, tensors: result.weights };
      }),
    );
    const next = aggregateNetworkRound({ config, optimizer, global, state, updates, maxUpdateNorm: Infinity });
    if (next.rejections.length > 0) {
      throw new Error(`round ${round + 1}: the server left out ${JSON.stringify(next.rejections)}`);
    }
    global = next.weights;
    state = next.state;
  }
  return global;
}
