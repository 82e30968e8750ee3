import { loadCloudEnv, databaseConfigFromEnv, type CloudEnv } from '../config/env.js';
import { createSqsAggregationTrigger } from '../workers/sqs-aggregation-trigger.js';
import { createRuntime, type Runtime, type RuntimeSettings } from './create-runtime.js';

/** Runtime settings described by the environment (see functions/config/env.ts for the variables). */
export function runtimeSettingsFromEnv(env: CloudEnv, options: { migrate: boolean }): RuntimeSettings {
  return {
    database: databaseConfigFromEnv(env),
    blobStore:
      env.BLOB_STORE === 's3'
        ? {
            kind: 's3',
            bucket: env.BLOB_BUCKET as string,
            ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
            ...(env.BLOB_KMS_KEY_ID ? { kmsKeyId: env.BLOB_KMS_KEY_ID } : {}),
          }
        : { kind: 'fs', root: env.BLOB_DIR, ...(env.BLOB_SIGNING_SECRET ? { signingSecret: env.BLOB_SIGNING_SECRET } : {}) },
    publicBaseUrl: env.PUBLIC_BASE_URL,
    maxRequestBytes: env.MAX_REQUEST_BYTES,
    ...(env.OPERATOR_TOKEN ? { operatorToken: env.OPERATOR_TOKEN } : {}),
    ...(env.OPERATOR_TOKEN_SHA256 ? { operatorTokenSha256: env.OPERATOR_TOKEN_SHA256 } : {}),
    logLevel: env.LOG_LEVEL,
    migrate: options.migrate,
    // With a queue (on AWS) the aggregation worker aggregates; without one, the API does it inline.
    ...(env.AGGREGATION_QUEUE_URL ? { aggregationTrigger: createSqsAggregationTrigger(env.AGGREGATION_QUEUE_URL, env.AWS_REGION) } : {}),
  };
}

/** Creates the runtime the environment describes. */
export async function createRuntimeFromEnv(options: { migrate: boolean }, source: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  return createRuntime(runtimeSettingsFromEnv(loadCloudEnv(source), options));
}
