import { getComputation } from '@onsite/compute';

import type { ComputationLookup } from './run-task.js';

/** The computations the gateway runs: the shared registry of `@onsite/compute`, the same one the cloud plans with. */
export const gatewayComputations: ComputationLookup = getComputation;
