import type { Computation, ComputationName } from '@onsite/compute';
import type { Role } from '../../db/schema/index.js';
import type { Database } from '../../db/client.js';
import type { BlobStore } from '../blob-store/blob-store.js';
import type { Logger } from '../logging/logger.js';

/** Who is calling, resolved once from the Authorization header. */
export type Principal =
  | { kind: 'user'; organizationId: string; apiKeyId: string; role: Role }
  | { kind: 'gateway'; organizationId: string; gatewayId: string }
  | { kind: 'operator' };

/** Signals that a result was submitted and its round may be ready to aggregate. */
export interface AggregationTrigger {
  notifyResultSubmitted(message: { jobId: string; roundId: string; organizationId: string }): Promise<void>;
}

/** Everything a handler depends on, created once per process and passed in. */
export interface AppDependencies {
  db: Database;
  blobStore: BlobStore;
  logger: Logger;
  /** SHA-256 (hex) of the operator token, or undefined when operator routes are disabled. */
  operatorTokenHash?: string;
  maxRequestBytes: number;
  publicBaseUrl: string;
  aggregationTrigger?: AggregationTrigger;
  /** The computation registry the job scheduler plans and aggregates with. */
  computations?: (name: ComputationName) => Computation;
  now?: () => Date;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    deps: AppDependencies;
    principal?: Principal;
    operationId?: string;
  };
}
