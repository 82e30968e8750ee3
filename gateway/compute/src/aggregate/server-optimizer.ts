import { isFloatDtype, type TensorLayout, type TensorMap, type TensorSpec } from '../weights/tensor-map.js';
import { AggregationError } from './aggregation-error.js';
import { assertFinite } from './sum-updates.js';
import { assertLayout } from './validate-update.js';

/**
 * Server-side update rules for FedAvg-family training. Each round the server has the global
 * weights x and the (weighted) mean of the sites' new weights, and forms the pseudo-gradient
 * Δ = mean − x. Then, element-wise:
 *
 *   fedavg      x ← x + η Δ                               (η = 1 gives plain FedAvg: x ← mean)
 *   fedavgm     m ← μ m + Δ;  x ← x + η m                 (server momentum; Hsu et al. 2019)
 *   fedadagrad  m ← β1 m + (1 − β1) Δ;  v ← v + Δ²
 *   fedadam     m ← β1 m + (1 − β1) Δ;  v ← β2 v + (1 − β2) Δ²
 *   fedyogi     m ← β1 m + (1 − β1) Δ;  v ← v − (1 − β2) Δ² sign(v − Δ²)
 *               and for the three adaptive rules x ← x + η m / (√v + τ)
 *
 * The adaptive rules follow Algorithm 2 of Reddi et al., "Adaptive Federated Optimization"
 * (ICLR 2021): no bias correction, m starts at 0 and v at τ² (the paper asks for v₋₁ ≥ τ²).
 */
export const SERVER_OPTIMIZERS = ['fedavg', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad'] as const;
export type ServerOptimizerName = (typeof SERVER_OPTIMIZERS)[number];

export interface ServerOptimizerConfig {
  name: ServerOptimizerName;
  /** Server learning rate η; default 1. */
  learningRate: number;
  /** FedAvgM momentum μ in [0, 1); default 0.9. */
  momentum: number;
  /** First-moment decay β1 in [0, 1) of the adaptive rules; default 0.9. */
  beta1: number;
  /** Second-moment decay β2 in [0, 1) of FedAdam and FedYogi; default 0.99. */
  beta2: number;
  /**
   * Adaptivity τ > 0 of the adaptive rules; default 1e-3. Reddi et al. tune τ over 1e-5 … 1e-1,
   * and 1e-3 is a middle value of that range, not a tuned one.
   */
  tau: number;
}

export const SERVER_OPTIMIZER_DEFAULTS = {
  learningRate: 1,
  momentum: 0.9,
  beta1: 0.9,
  beta2: 0.99,
  tau: 1e-3,
} as const;

/** Optimiser state between rounds, persisted with `encodeServerOptimizerState`. */
export interface ServerOptimizerState {
  optimizer: ServerOptimizerName;
  /** Number of rounds applied so far. */
  step: number;
  /**
   * F64 moments by tensor: `m/<name>` (the momentum of FedAvgM or the first moment) and
   * `v/<name>` (the second moment). FedAvg keeps none.
   */
  moments: TensorMap;
}

export interface ServerOptimizerResult {
  /** New global weights, in the dtypes of the layout. */
  weights: TensorMap;
  state: ServerOptimizerState;
  /** L2 norm of the pseudo-gradient Δ over all tensors, for logging and training curves. */
  pseudoGradientNorm: number;
}

/** Fills defaults and checks ranges; raises `invalid_options` naming the setting that is wrong. */
export function serverOptimizerConfig(
  input: { name: ServerOptimizerName } & Partial<Omit<ServerOptimizerConfig, 'name'>>,
): ServerOptimizerConfig {
  const config: ServerOptimizerConfig = { ...SERVER_OPTIMIZER_DEFAULTS, ...stripUndefined(input), name: input.name };
  checkConfig(config);
  return config;
}

/**
 * Builds the server optimiser from a model spec's `optimizer` block. `serverMomentum` is μ for
 * FedAvgM and β1 for the adaptive rules; β2 and τ take their defaults.
 */
export function serverOptimizerFromSpec(optimizer: {
  server: ServerOptimizerName;
  serverLearningRate: number;
  serverMomentum: number;
}): ServerOptimizerConfig {
  return serverOptimizerConfig({
    name: optimizer.server,
    learningRate: optimizer.serverLearningRate,
    momentum: optimizer.serverMomentum,
    beta1: optimizer.serverMomentum,
  });
}

/** Returns the state before the first round: m = 0 and v = τ² for every floating-point tensor. */
export function createServerOptimizerState(config: ServerOptimizerConfig, layout: TensorLayout): ServerOptimizerState {
  checkConfig(config);
  checkFloatLayout(layout);

  const moments: TensorMap = {};
  for (const [slot, initial] of momentSlots(config.name, config.tau)) {
    for (const name of Object.keys(layout).sort()) {
      const spec = layout[name] as TensorSpec;
      const size = spec.shape.reduce((product, dim) => product * dim, 1);
      moments[`${slot}/${name}`] = { dtype: 'F64', shape: [...spec.shape], data: new Float64Array(size).fill(initial) };
    }
  }
  return { optimizer: config.name, step: 0, moments };
}

/** Returns the layout the state's moments must have for this optimiser and model. */
export function momentLayout(config: ServerOptimizerConfig, layout: TensorLayout): TensorLayout {
  const moments: TensorLayout = {};
  for (const [slot] of momentSlots(config.name, config.tau)) {
    for (const name of Object.keys(layout).sort()) {
      moments[`${slot}/${name}`] = { dtype: 'F64', shape: [...(layout[name] as TensorSpec).shape] };
    }
  }
  return moments;
}

/**
 * Applies one server step. `mean` contains the F64 (weighted) mean of the sites' weights for every
 * tensor of the layout (see `meanOfFloatTensors`). Inputs are not modified; on any failure the
 * function raises `AggregationError` and the caller keeps its previous weights and state.
 */
export function applyServerOptimizer(
  config: ServerOptimizerConfig,
  global: TensorMap,
  mean: TensorMap,
  state: ServerOptimizerState,
  layout: TensorLayout,
): ServerOptimizerResult {
  checkConfig(config);
  checkFloatLayout(layout);
  assertLayout(global, layout, 'the global model');
  assertLayout(mean, f64Layout(layout), 'the mean of the updates');
  if (state.optimizer !== config.name) {
    throw new AggregationError(
      'state_mismatch',
      `the optimiser state is for ${state.optimizer} but the job uses ${config.name}; create a fresh state`,
    );
  }
  assertLayout(state.moments, momentLayout(config, layout), 'the optimiser state');

  const weights: TensorMap = {};
  const moments: TensorMap = {};
  let squaredNorm = 0;

  for (const name of Object.keys(layout).sort()) {
    const spec = layout[name] as TensorSpec;
    const x = global[name]?.data as Float64Array | Float32Array;
    const target = mean[name]?.data as Float64Array;
    const size = x.length;
    const next = new Float64Array(size);
    const m = cloneMoment(state.moments[`m/${name}`]?.data as Float64Array | undefined, size);
    const v = cloneMoment(state.moments[`v/${name}`]?.data as Float64Array | undefined, size);

    for (let index = 0; index < size; index += 1) {
      const current = x[index] as number;
      const delta = (target[index] as number) - current;
      squaredNorm += delta * delta;
      next[index] = nextWeight(config, current, delta, target[index] as number, m, v, index);
    }

    const cast = spec.dtype === 'F32' ? Float32Array.from(next) : next;
    assertFinite(name, cast, 'the new weight');
    weights[name] = spec.dtype === 'F32'
      ? { dtype: 'F32', shape: [...spec.shape], data: cast as Float32Array }
      : { dtype: 'F64', shape: [...spec.shape], data: cast as Float64Array };

    if (m !== undefined) {
      assertFinite(`m/${name}`, m, 'the optimiser moment');
      moments[`m/${name}`] = { dtype: 'F64', shape: [...spec.shape], data: m };
    }
    if (v !== undefined) {
      assertFinite(`v/${name}`, v, 'the optimiser moment');
      moments[`v/${name}`] = { dtype: 'F64', shape: [...spec.shape], data: v };
    }
  }

  return {
    weights,
    state: { optimizer: config.name, step: state.step + 1, moments },
    pseudoGradientNorm: Math.sqrt(squaredNorm),
  };
}

/** Updates m and v in place at `index` and returns the new weight. */
function nextWeight(
  config: ServerOptimizerConfig,
  current: number,
  delta: number,
  target: number,
  m: Float64Array | undefined,
  v: Float64Array | undefined,
  index: number,
): number {
  switch (config.name) {
    case 'fedavg':
      // (1 − η) x + η mean equals x + η Δ, and with η = 1 it returns the mean bit for bit.
      return (1 - config.learningRate) * current + config.learningRate * target;

    case 'fedavgm': {
      const momentum = config.momentum * (m?.[index] as number) + delta;
      (m as Float64Array)[index] = momentum;
      return current + config.learningRate * momentum;
    }

    case 'fedadagrad':
    case 'fedadam':
    case 'fedyogi': {
      const first = config.beta1 * (m?.[index] as number) + (1 - config.beta1) * delta;
      const previous = v?.[index] as number;
      const squared = delta * delta;
      let second: number;
      if (config.name === 'fedadagrad') {
        second = previous + squared;
      } else if (config.name === 'fedadam') {
        second = config.beta2 * previous + (1 - config.beta2) * squared;
      } else {
        second = previous - (1 - config.beta2) * squared * Math.sign(previous - squared);
      }
      (m as Float64Array)[index] = first;
      (v as Float64Array)[index] = second;
      return current + (config.learningRate * first) / (Math.sqrt(second) + config.tau);
    }
  }
}

function momentSlots(name: ServerOptimizerName, tau: number): Array<[slot: 'm' | 'v', initial: number]> {
  switch (name) {
    case 'fedavg':
      return [];
    case 'fedavgm':
      return [['m', 0]];
    case 'fedadam':
    case 'fedyogi':
    case 'fedadagrad':
      return [
        ['m', 0],
        ['v', tau * tau],
      ];
  }
}

function cloneMoment(data: Float64Array | undefined, size: number): Float64Array | undefined {
  if (data === undefined) {
    return undefined;
  }
  if (data.length !== size) {
    throw new AggregationError('state_mismatch', `an optimiser moment has ${data.length} values, expected ${size}`);
  }
  return Float64Array.from(data);
}

function f64Layout(layout: TensorLayout): TensorLayout {
  const result: TensorLayout = {};
  for (const [name, spec] of Object.entries(layout)) {
    result[name] = { dtype: 'F64', shape: [...spec.shape] };
  }
  return result;
}

function checkFloatLayout(layout: TensorLayout): void {
  for (const [name, spec] of Object.entries(layout)) {
    if (!isFloatDtype(spec.dtype)) {
      throw new AggregationError(
        'invalid_options',
        `tensor "${name}" is ${spec.dtype}; server optimisers update F64 and F32 weights only, so sum integer tensors with sumUpdates`,
      );
    }
  }
}

function checkConfig(config: ServerOptimizerConfig): void {
  if (!SERVER_OPTIMIZERS.includes(config.name)) {
    throw new AggregationError(
      'invalid_options',
      `server optimiser "${String(config.name)}" is unknown; use one of ${SERVER_OPTIMIZERS.join(', ')}`,
    );
  }
  if (!Number.isFinite(config.learningRate) || config.learningRate <= 0) {
    throw new AggregationError('invalid_options', `server learning rate is ${config.learningRate}; use a positive number`);
  }
  for (const key of ['momentum', 'beta1', 'beta2'] as const) {
    const value = config[key];
    if (!Number.isFinite(value) || value < 0 || value >= 1) {
      throw new AggregationError('invalid_options', `${key} is ${value}; use a number in [0, 1)`);
    }
  }
  if (!Number.isFinite(config.tau) || config.tau <= 0) {
    throw new AggregationError('invalid_options', `tau is ${config.tau}; use a positive number such as 1e-3`);
  }
}

function stripUndefined<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<T>;
}
