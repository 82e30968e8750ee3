import { predictProbabilities } from '../../mlp/local-training.js';
import type { NetworkConfig } from '../../mlp/network-config.js';
import { compilePredictGraph } from '../../mlp/train-step-graph.js';
import { buildDesignMatrix, type ColumnarTable, type DesignMatrix } from '../../spec/design-matrix.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { TensorMap } from '../../weights/tensor-map.js';

/**
 * Builds a site's feature matrix from the spec and scores every row with the network: n
 * probabilities for a sigmoid output, n × classes for a softmax one. The outcome is not read, so
 * rows without one are scored too, and the dataset may lack the outcome column.
 */
export async function scoreRows(table: ColumnarTable, spec: ModelSpec, config: NetworkConfig, weights: TensorMap): Promise<{ matrix: DesignMatrix; probabilities: Float64Array }> {
  const matrix = buildDesignMatrix(table, spec, { outcome: false });
  const probabilities = await predictProbabilities({
    graph: compilePredictGraph(config),
    config,
    data: { layout: matrix.layout, n: matrix.n, x: matrix.x },
    weights,
  });
  return { matrix, probabilities };
}
