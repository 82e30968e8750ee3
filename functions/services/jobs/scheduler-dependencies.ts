import type { Computation, ComputationName } from '@onsite/compute';
import type { Database } from '../../../db/client.js';
import type { AggregationTrigger, AppDependencies } from '../../api/context.js';
import { ApiError } from '../../api/errors/api-error.js';
import type { BlobStore } from '../../blob-store/blob-store.js';
import type { Logger } from '../../logging/logger.js';

/** Finds the computation a job runs by its name; throws for an unknown name. */
export type ComputationLookup = (name: ComputationName) => Computation;

/**
 * Dependencies of the scheduler's services. The API process, the aggregation worker and the sweep
 * all build one, so the same code runs in each. `now` is the clock, injected so tests can
 * move time forward instead of sleeping.
 */
export interface SchedulerDependencies {
  db: Database;
  blobStore: BlobStore;
  computations: ComputationLookup;
  logger: Logger;
  now: () => Date;
  /** When set, submitted results are announced to it; when absent, the round is aggregated inline. */
  aggregationTrigger?: AggregationTrigger;
}

/** Builds the scheduler's dependencies from the API's. Throws a 503 ApiError when no registry is wired. */
export function schedulerDependencies(deps: AppDependencies): SchedulerDependencies {
  if (!deps.computations) {
    throw new ApiError('service_unavailable', 'the job scheduler is not configured on this server (no computation registry); contact the operator');
  }
  return {
    db: deps.db,
    blobStore: deps.blobStore,
    computations: deps.computations,
    logger: deps.logger,
    now: deps.now ?? (() => new Date()),
    ...(deps.aggregationTrigger ? { aggregationTrigger: deps.aggregationTrigger } : {}),
  };
}
