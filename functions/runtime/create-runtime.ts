import { createHash, randomBytes } from 'node:crypto';
import { getComputation } from '@onsite/compute';
import { mkdirSync } from 'node:fs';
import { openDatabase, type DatabaseConfig, type DatabaseHandle } from '../../db/client.js';
import { createApp, type ApiApp } from '../api/app.js';
import type { AggregationTrigger, AppDependencies } from '../api/context.js';
import type { BlobStore } from '../blob-store/blob-store.js';
import { FsBlobStore } from '../blob-store/fs-blob-store.js';
import { createLocalBlobRoutes } from '../blob-store/local-blob-routes.js';
import { LOCAL_BLOB_ROUTE_PREFIX } from '../blob-store/local-url-signature.js';
import { S3BlobStore } from '../blob-store/s3-blob-store.js';
import { createLogger, type Logger } from '../logging/logger.js';

export type BlobStoreSettings =
  | { kind: 'fs'; root: string; signingSecret?: string }
  | { kind: 's3'; bucket: string; region?: string /* defaults to eu-west-3, Paris */; endpoint?: string; forcePathStyle?: boolean; kmsKeyId?: string };

export interface RuntimeSettings {
  database: DatabaseConfig;
  blobStore: BlobStoreSettings;
  publicBaseUrl: string;
  maxRequestBytes: number;
  operatorToken?: string;
  /** SHA-256 (hex) of the operator token, used when `operatorToken` itself is not given. */
  operatorTokenSha256?: string;
  logger?: Logger;
  logLevel?: string;
  /** Apply pending migrations at start-up: yes locally and in tests, never in a Lambda cold start. */
  migrate: boolean;
  aggregationTrigger?: AggregationTrigger;
  /** An already open database to use instead of opening `database` (tests share one per file). */
  existingDatabase?: DatabaseHandle;
}

export interface Runtime {
  app: ApiApp;
  deps: AppDependencies;
  database: DatabaseHandle;
  close(): Promise<void>;
}

function createBlobStore(settings: BlobStoreSettings, publicBaseUrl: string): { store: BlobStore; fsStore?: FsBlobStore; secret?: string } {
  if (settings.kind === 's3') {
    return {
      store: new S3BlobStore({
        bucket: settings.bucket,
        region: settings.region ?? 'eu-west-3',
        ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
        ...(settings.forcePathStyle !== undefined ? { forcePathStyle: settings.forcePathStyle } : {}),
        ...(settings.kmsKeyId ? { kmsKeyId: settings.kmsKeyId } : {}),
      }),
    };
  }

  mkdirSync(settings.root, { recursive: true });
  // A per-process secret is enough locally: presigned URLs live for minutes, and a restart only
  // invalidates URLs issued before it, which the gateway then requests again.
  const secret = settings.signingSecret ?? randomBytes(32).toString('hex');
  const fsStore = new FsBlobStore({ root: settings.root, publicBaseUrl, secret });
  return { store: fsStore, fsStore, secret };
}

/** Returns the operator token's hash, from the token or its configured hash; with neither, operator routes stay closed. */
function operatorTokenHash(settings: RuntimeSettings): { operatorTokenHash?: string } {
  if (settings.operatorToken) return { operatorTokenHash: createHash('sha256').update(settings.operatorToken).digest('hex') };
  if (settings.operatorTokenSha256) return { operatorTokenHash: settings.operatorTokenSha256 };
  return {};
}

/**
 * Wires one cloud process: database, blob store, logger and the Hono app. The local server, the
 * Lambda handlers and the tests all start here, so they run the same code with other settings.
 */
export async function createRuntime(settings: RuntimeSettings): Promise<Runtime> {
  const logger = settings.logger ?? createLogger({ level: settings.logLevel ?? 'info' });
  const databaseConfig =
    settings.database.driver === 'pg'
      ? { ...settings.database, onIdleConnectionError: (error: Error) => logger.warn({ err: error }, 'an idle database connection failed; the pool replaces it') }
      : settings.database;
  const database = settings.existingDatabase ?? (await openDatabase(databaseConfig));
  if (settings.migrate) await database.migrate();

  const blob = createBlobStore(settings.blobStore, settings.publicBaseUrl);
  const deps: AppDependencies = {
    db: database.db,
    blobStore: blob.store,
    logger,
    maxRequestBytes: settings.maxRequestBytes,
    publicBaseUrl: settings.publicBaseUrl,
    computations: getComputation,
    ...operatorTokenHash(settings),
    ...(settings.aggregationTrigger ? { aggregationTrigger: settings.aggregationTrigger } : {}),
  };

  const app = createApp(deps);
  if (blob.fsStore && blob.secret) {
    app.route(LOCAL_BLOB_ROUTE_PREFIX, createLocalBlobRoutes(blob.fsStore, { secret: blob.secret }));
  }

  return { app, deps, database, close: () => database.close() };
}
