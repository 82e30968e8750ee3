import { fileURLToPath } from 'node:url';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import * as schema from './schema/index.js';

export type Schema = typeof schema;

/**
 * The database handle every service takes. PGlite, node-postgres and the RDS Data API drivers all
 * produce a `PgDatabase`, so the same queries run on each; only this module chooses the driver.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the three drivers differ only in their result type
export type Database = PgDatabase<any, Schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** A database handle or an open transaction: services accept either. */
export type Executor = Database | Transaction;

export type DatabaseConfig =
  | {
      driver: 'pglite';
      dataDir?: string;
      /** A `dumpSnapshot` archive to start from instead of an empty cluster. */
      snapshot?: Blob;
    }
  | {
      driver: 'pg';
      url: string;
      maxConnections?: number;
      /**
       * Called when an idle pooled connection fails (the server restarted or ended it). The pool
       * drops that connection and opens another for the next query; without a handler the error
       * event would end the process.
       */
      onIdleConnectionError?: (error: Error) => void;
    }
  | { driver: 'aws-data-api'; clusterArn: string; secretArn: string; database: string; region?: string };

export interface DatabaseHandle {
  db: Database;
  driver: DatabaseConfig['driver'];
  /** Applies the drizzle-kit migrations in db/migrations that have not run yet. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** PGlite only: archives the data directory (gzip tar), to start other clusters from it. */
  dumpSnapshot?: () => Promise<Blob>;
}

/** Folder of the SQL migrations; the Lambda bundles copy it next to the handler. */
export function defaultMigrationsFolder(): string {
  return process.env.MIGRATIONS_FOLDER ?? fileURLToPath(new URL('./migrations', import.meta.url));
}

/** Opens a database with the driver the configuration names. Drivers load lazily, so a Lambda bundle carries only the one it uses at run time. */
export async function openDatabase(config: DatabaseConfig, migrationsFolder = defaultMigrationsFolder()): Promise<DatabaseHandle> {
  switch (config.driver) {
    case 'pglite': {
      const { PGlite } = await import('@electric-sql/pglite');
      const { drizzle } = await import('drizzle-orm/pglite');
      const { migrate } = await import('drizzle-orm/pglite/migrator');
      const client = new PGlite({
        ...(config.dataDir ? { dataDir: config.dataDir } : {}),
        ...(config.snapshot ? { loadDataDir: config.snapshot } : {}),
      });
      await client.waitReady;
      const db = drizzle(client, { schema });
      return {
        db: db as unknown as Database,
        driver: 'pglite',
        migrate: () => migrate(db, { migrationsFolder }),
        close: () => client.close(),
        dumpSnapshot: () => client.dumpDataDir('gzip'),
      };
    }

    case 'pg': {
      const { default: pg } = await import('pg');
      const { drizzle } = await import('drizzle-orm/node-postgres');
      const { migrate } = await import('drizzle-orm/node-postgres/migrator');
      const pool = new pg.Pool({ connectionString: config.url, max: config.maxConnections ?? 10 });
      pool.on('error', (error) => config.onIdleConnectionError?.(error));
      const db = drizzle(pool, { schema });
      return {
        db: db as unknown as Database,
        driver: 'pg',
        migrate: () => migrate(db, { migrationsFolder }),
        close: () => pool.end(),
      };
    }

    case 'aws-data-api': {
      const { RDSDataClient } = await import('@aws-sdk/client-rds-data');
      const { drizzle } = await import('drizzle-orm/aws-data-api/pg');
      const { migrate } = await import('drizzle-orm/aws-data-api/pg/migrator');
      const client = new RDSDataClient(config.region ? { region: config.region } : {});
      const db = drizzle(client, {
        schema,
        database: config.database,
        resourceArn: config.clusterArn,
        secretArn: config.secretArn,
      });
      return {
        db: db as unknown as Database,
        driver: 'aws-data-api',
        migrate: () => migrate(db, { migrationsFolder }),
        close: async () => client.destroy(),
      };
    }
  }
}

export { schema };
