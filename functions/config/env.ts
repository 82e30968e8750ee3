import { z } from 'zod';
import type { DatabaseConfig } from '../../db/client.js';

/**
 * Environment of every cloud process (local server, Lambda handlers, workers), parsed once at
 * start-up. A missing or invalid variable fails with its name, before any request is served.
 */
const envSchema = z
  .object({
    DATABASE_DRIVER: z.enum(['pglite', 'pg', 'aws-data-api']).default('pglite'),
    DATABASE_URL: z.string().url().optional(),
    PGLITE_DATA_DIR: z.string().optional(),
    DATABASE_CLUSTER_ARN: z.string().optional(),
    DATABASE_SECRET_ARN: z.string().optional(),
    DATABASE_NAME: z.string().optional(),
    AWS_REGION: z.string().optional(),
    BLOB_STORE: z.enum(['fs', 's3']).default('fs'),
    BLOB_DIR: z.string().default('.onsite/blobs'),
    BLOB_BUCKET: z.string().optional(),
    BLOB_KMS_KEY_ID: z.string().optional(),
    BLOB_SIGNING_SECRET: z.string().min(32).optional(),
    AGGREGATION_QUEUE_URL: z.string().optional(),
    PUBLIC_BASE_URL: z.string().url().default('http://127.0.0.1:8787'),
    OPERATOR_TOKEN: z.string().min(24).optional(),
    /** SHA-256 (hex) of the operator token: lets a deployment enable operator routes without holding the token. */
    OPERATOR_TOKEN_SHA256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits').optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Largest request body the API accepts, in bytes (1 MiB by default; uploads go to the blob store). */
    MAX_REQUEST_BYTES: z.coerce.number().int().min(1024).max(6 * 1024 * 1024).default(1024 * 1024),
    PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  })
  .superRefine((env, context) => {
    const need = (name: keyof typeof env, why: string) => {
      if (!env[name]) context.addIssue({ code: 'custom', path: [name], message: `${name} is required ${why}` });
    };
    if (env.DATABASE_DRIVER === 'pg') need('DATABASE_URL', 'when DATABASE_DRIVER=pg');
    if (env.DATABASE_DRIVER === 'aws-data-api') {
      need('DATABASE_CLUSTER_ARN', 'when DATABASE_DRIVER=aws-data-api');
      need('DATABASE_SECRET_ARN', 'when DATABASE_DRIVER=aws-data-api');
      need('DATABASE_NAME', 'when DATABASE_DRIVER=aws-data-api');
    }
    if (env.BLOB_STORE === 's3') need('BLOB_BUCKET', 'when BLOB_STORE=s3');
  });

export type CloudEnv = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; the error lists every invalid variable with the reason. */
export function loadCloudEnv(source: NodeJS.ProcessEnv = process.env): CloudEnv {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`);
    throw new ConfigError(`invalid environment: ${lines.join('; ')}`);
  }
  return result.data;
}

/** Returns the database connection the environment describes. */
export function databaseConfigFromEnv(env: CloudEnv): DatabaseConfig {
  switch (env.DATABASE_DRIVER) {
    case 'pg':
      return { driver: 'pg', url: env.DATABASE_URL as string };
    case 'aws-data-api':
      return {
        driver: 'aws-data-api',
        clusterArn: env.DATABASE_CLUSTER_ARN as string,
        secretArn: env.DATABASE_SECRET_ARN as string,
        database: env.DATABASE_NAME as string,
        ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
      };
    case 'pglite':
      return { driver: 'pglite', ...(env.PGLITE_DATA_DIR ? { dataDir: env.PGLITE_DATA_DIR } : {}) };
  }
}
