import { serverOptimizerFromSpec, type ServerOptimizerConfig } from '../aggregate/server-optimizer.js';
import { modelSpecSchema, type ModelSpec } from '../spec/model-spec.js';
import type { NetworkConfig, NetworkOutput } from './network-config.js';

type OptimizerSettings = Extract<ModelSpec, { family: 'mlp_classifier' }>['hyperparameters']['optimizer'];

/** Everything a FedAvg-family job needs from a spec: the network, local loop and server optimiser. */
export interface FederatedTrainingPlan {
  config: NetworkConfig;
  localEpochs: number;
  batchSize: number;
  /** Job seed: initial weights use it directly, and each site and round derive theirs with `deriveSeed`. */
  seed: number;
  server: ServerOptimizerConfig;
}

/**
 * Reads the training plan of an `mlp_classifier` spec (float32, its hidden layers, a sigmoid
 * output for a binary outcome or a softmax over the classes of a multi-class one) or of a
 * `logistic_regression` spec with `method: "fedavg"` (float64, no hidden layer). `layout` is the
 * feature layout of the design matrix built from the same spec.
 */
export function federatedTrainingPlanFromSpec(spec: ModelSpec, layout: readonly string[]): FederatedTrainingPlan {
  let optimizer: OptimizerSettings;
  let hiddenLayers: number[];
  let dtype: NetworkConfig['dtype'];
  let output: NetworkOutput | undefined;

  if (spec.family === 'mlp_classifier') {
    optimizer = spec.hyperparameters.optimizer;
    hiddenLayers = [...spec.hyperparameters.hiddenLayers];
    dtype = 'float32';
    // A binary network leaves `output` unset, which reads as one sigmoid unit, so its stored
    // configuration and its graphs stay as they were before softmax outputs existed.
    if (spec.outcome.kind === 'multiclass') output = { activation: 'softmax', classes: spec.outcome.levels.length };
  } else if (spec.family === 'logistic_regression' && spec.hyperparameters.method === 'fedavg') {
    optimizer = spec.hyperparameters.optimizer ?? defaultOptimizer();
    hiddenLayers = [];
    dtype = 'float64';
  } else {
    throw new RangeError(
      `federatedTrainingPlanFromSpec: a ${spec.family} spec${spec.family === 'logistic_regression' ? ' with method "newton"' : ''} ` +
        'is not trained by FedAvg; use an mlp_classifier spec or a logistic_regression spec with method "fedavg"',
    );
  }

  return {
    config: {
      layout: [...layout],
      hiddenLayers,
      dtype,
      optimizer: optimizer.local,
      learningRate: optimizer.learningRate,
      proximalMu: optimizer.proximalMu,
      ...(output ? { output } : {}),
    },
    localEpochs: optimizer.localEpochs,
    batchSize: optimizer.batchSize,
    seed: optimizer.seed,
    server: serverOptimizerFromSpec(optimizer),
  };
}

/**
 * Returns the spec schema's default optimiser block. It is read by parsing a minimal MLP spec, so
 * the defaults stay those of the schema instead of a copy.
 */
function defaultOptimizer(): OptimizerSettings {
  const parsed = modelSpecSchema.parse({
    family: 'mlp_classifier',
    outcome: { kind: 'binary', column: 'y', positive: 1 },
    features: [{ column: 'x', encoding: 'numeric' }],
    hyperparameters: { hiddenLayers: [1] },
  });
  if (parsed.family !== 'mlp_classifier') {
    throw new Error('defaultOptimizer: the spec schema returned another family');
  }
  return parsed.hyperparameters.optimizer;
}
