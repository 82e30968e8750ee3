import { AggregationError, type Computation, type TensorLayout, type TensorMap } from '@onsite/compute';

export interface MeanState {
  /** Mean after each completed round, oldest first. */
  means: number[];
  maxRounds: number;
}

/** Each site's contribution: Σx and the row count n of one column, as float64 scalars. */
export const MEAN_CONTRIBUTION_LAYOUT: TensorLayout = { sum: { dtype: 'F64', shape: [1] }, count: { dtype: 'F64', shape: [1] } };

/**
 * A small but complete computation for scheduler tests: every round each site returns the sum and
 * count of a column, the server takes the pooled mean Σx / Σn, and the job finishes after
 * `maxRounds`. The current mean travels to the sites as the round's global tensor, so rounds and
 * restarts can be told apart by their state.
 */
export const meanComputation: Computation<MeanState> = {
  name: 'descriptive',
  kind: 'analytics',
  families: ['kaplan_meier', 'cox_ph'],
  initialState(_spec, settings) {
    const column = settings.options.column;
    if (column !== undefined && typeof column !== 'string') throw new Error(`option "column" must be a string, not ${typeof column}`);
    return { means: [], maxRounds: settings.maxRounds };
  },
  planRound(state, round) {
    const last = state.means.at(-1) ?? 0;
    return { parameters: { column: 'age', round }, globalTensors: { mean: { dtype: 'F64', shape: [1], data: Float64Array.of(last) } } };
  },
  runSite() {
    return Promise.reject(new Error('meanComputation.runSite is not used by the cloud tests'));
  },
  contributionLayout() {
    return MEAN_CONTRIBUTION_LAYOUT;
  },
  serverStep(state, contributions, round) {
    let sum = 0;
    let count = 0;
    for (const { contribution } of contributions) {
      sum += (contribution.tensors.sum?.data as Float64Array)[0] ?? 0;
      count += (contribution.tensors.count?.data as Float64Array)[0] ?? 0;
    }
    if (count === 0) throw new AggregationError('zero_total_weight', 'the sites counted 0 rows in total; the previous mean is kept');
    const mean = sum / count;
    const means = [...state.means, mean];
    return {
      state: { ...state, means },
      done: round >= state.maxRounds,
      roundMetrics: { mean, count },
      results: { mean, count, means },
      modelTensors: { mean: { dtype: 'F64', shape: [1], data: Float64Array.of(mean) } },
    };
  },
};

/** A site's contribution for the mean computation. */
export function meanContribution(sum: number, count: number): TensorMap {
  return { sum: { dtype: 'F64', shape: [1], data: Float64Array.of(sum) }, count: { dtype: 'F64', shape: [1], data: Float64Array.of(count) } };
}
