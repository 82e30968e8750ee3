import { ComputationSettingsError, getComputation, normaliseModelSpec } from '@onsite/compute';
import { describe, expect, it } from 'vitest';
import { JOB_SETTINGS_LIMITS } from './job-settings.js';

const MLP_SPEC = normaliseModelSpec({
  family: 'mlp_classifier',
  outcome: { kind: 'binary', column: 'relapse', positive: 'yes' },
  features: [{ column: 'age', encoding: 'numeric', center: 53, scale: 10 }],
  hyperparameters: { hiddenLayers: [4] },
}).spec;

const API_MAX_ROUNDS = JOB_SETTINGS_LIMITS.maxRounds.max;

describe('job round limit', () => {
  it.each([2, API_MAX_ROUNDS])('lets mlp_fedavg run %i rounds', (maxRounds) => {
    const state = getComputation('mlp_fedavg').initialState(MLP_SPEC, { maxRounds, options: {} });

    expect(state).toMatchObject({ trainingRounds: maxRounds - 1 });
  });

  it.each([1, API_MAX_ROUNDS + 1, 2.5])('rejects maxRounds %s for mlp_fedavg', (maxRounds) => {
    let thrown: unknown;
    try {
      getComputation('mlp_fedavg').initialState(MLP_SPEC, { maxRounds, options: {} });
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(ComputationSettingsError);
    expect((thrown as ComputationSettingsError).setting).toBe('maxRounds');
    expect((thrown as ComputationSettingsError).message).toContain(`maxRounds is ${maxRounds}; set 2 to ${API_MAX_ROUNDS} rounds`);
  });
});
