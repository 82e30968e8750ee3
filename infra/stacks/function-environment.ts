// Environment variables shared by several functions, named as functions/config/env.ts reads them.
import type { ArtifactsStack } from './artifacts-stack.js';
import type { DataStack } from './data-stack.js';

/** Selects drizzle's `aws-data-api/pg` driver and names the cluster, secret and database. */
export function databaseEnvironment(data: DataStack): Record<string, string> {
  return {
    DATABASE_DRIVER: 'aws-data-api',
    DATABASE_CLUSTER_ARN: data.cluster.clusterArn,
    DATABASE_SECRET_ARN: data.secret.secretArn,
    DATABASE_NAME: data.databaseName,
  };
}

/** Selects the S3 blob store and names the artifacts bucket and its KMS key. */
export function blobStoreEnvironment(artifacts: ArtifactsStack): Record<string, string> {
  return {
    BLOB_STORE: 's3',
    BLOB_BUCKET: artifacts.bucketName,
    BLOB_KMS_KEY_ID: artifacts.key.keyArn,
  };
}
