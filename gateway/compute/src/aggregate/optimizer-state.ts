import { decodeTensors, encodeTensors, WeightsFormatError } from '../weights/safetensors.js';
import type { TensorLayout } from '../weights/tensor-map.js';
import { AggregationError } from './aggregation-error.js';
import {
  momentLayout,
  SERVER_OPTIMIZERS,
  type ServerOptimizerConfig,
  type ServerOptimizerName,
  type ServerOptimizerState,
} from './server-optimizer.js';
import { assertFinite } from './sum-updates.js';
import { assertLayout } from './validate-update.js';

/** `__metadata__.format` of a persisted optimiser state. */
export const OPTIMIZER_STATE_FORMAT = 'onsite.server-optimizer-state';
export const OPTIMIZER_STATE_VERSION = '1';

const SETTINGS = ['learningRate', 'momentum', 'beta1', 'beta2', 'tau'] as const;

/**
 * Encodes optimiser state as a safetensors file: the F64 moments as tensors, and the optimiser,
 * step and settings as metadata. Numbers are written with `String(number)`, which JavaScript reads
 * back to the same double, so a restart resumes bit for bit.
 */
export function encodeServerOptimizerState(state: ServerOptimizerState, config: ServerOptimizerConfig): Uint8Array {
  if (state.optimizer !== config.name) {
    throw new AggregationError(
      'state_mismatch',
      `the optimiser state is for ${state.optimizer} but the settings are for ${config.name}`,
    );
  }

  const metadata: Record<string, string> = {
    format: OPTIMIZER_STATE_FORMAT,
    version: OPTIMIZER_STATE_VERSION,
    optimizer: state.optimizer,
    step: String(state.step),
  };
  for (const key of SETTINGS) {
    metadata[key] = String(config[key]);
  }
  return encodeTensors(state.moments, metadata);
}

/**
 * Decodes persisted optimiser state and checks that it belongs to this optimiser, these settings
 * and this model layout, and that every moment is finite. Raises `state_mismatch` otherwise, so a
 * job never resumes with moments computed under other settings.
 */
export function decodeServerOptimizerState(
  bytes: Uint8Array,
  config: ServerOptimizerConfig,
  layout: TensorLayout,
): ServerOptimizerState {
  let decoded: ReturnType<typeof decodeTensors>;
  try {
    decoded = decodeTensors(bytes);
  } catch (error) {
    if (error instanceof WeightsFormatError) {
      throw new AggregationError('state_mismatch', `the optimiser state file is unreadable: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
  const { tensors, metadata } = decoded;

  if (metadata.format !== OPTIMIZER_STATE_FORMAT || metadata.version !== OPTIMIZER_STATE_VERSION) {
    throw new AggregationError(
      'state_mismatch',
      `the file is not an optimiser state of version ${OPTIMIZER_STATE_VERSION} ` +
        `(format ${JSON.stringify(metadata.format)}, version ${JSON.stringify(metadata.version)})`,
    );
  }

  const optimizer = metadata.optimizer as ServerOptimizerName;
  if (!SERVER_OPTIMIZERS.includes(optimizer) || optimizer !== config.name) {
    throw new AggregationError(
      'state_mismatch',
      `the optimiser state is for ${JSON.stringify(metadata.optimizer)} but the job uses ${config.name}; create a fresh state`,
    );
  }
  for (const key of SETTINGS) {
    if (metadata[key] !== String(config[key])) {
      throw new AggregationError(
        'state_mismatch',
        `the optimiser state was built with ${key} = ${metadata[key]} but the job uses ${config[key]}; ` +
          'restore the original settings or create a fresh state',
      );
    }
  }

  const step = Number(metadata.step);
  if (metadata.step === undefined || !/^\d+$/.test(metadata.step) || !Number.isSafeInteger(step)) {
    throw new AggregationError('state_mismatch', `the optimiser state has step ${JSON.stringify(metadata.step)}; expected a non-negative integer`);
  }

  assertLayout(tensors, momentLayout(config, layout), 'the optimiser state');
  for (const [name, tensor] of Object.entries(tensors)) {
    assertFinite(name, tensor.data as Float64Array, 'the stored optimiser moment');
  }

  return { optimizer, step, moments: tensors };
}
