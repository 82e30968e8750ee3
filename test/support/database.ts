import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../db/client.js';

/**
 * Database targets for suites that run on every supported engine: embedded PGlite always, and the
 * PostgreSQL server named by DATABASE_URL when it is set (CI sets it to the local server).
 */
export type DatabaseTarget = 'pglite' | 'postgres';

export function databaseTargets(): DatabaseTarget[] {
  return process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDatabase extends DatabaseHandle {
  target: DatabaseTarget;
}

/**
 * Opens a migrated, empty database of one target for one test file. On PostgreSQL each call
 * creates its own database (`onsite_test_<random>`) so parallel test files and parallel CI runs
 * never see each other's rows; `close()` drops it again.
 */
export async function openTestDatabase(target: DatabaseTarget): Promise<TestDatabase> {
  if (target === 'pglite') {
    const snapshotPath = inject('pgliteSnapshotPath');
    const snapshot = snapshotPath ? new Blob([readFileSync(snapshotPath)]) : undefined;
    const handle = await openDatabase({ driver: 'pglite', ...(snapshot ? { snapshot } : {}) });
    // A no-op on the snapshot, which is already migrated; needed when no global setup ran.
    await handle.migrate();
    return { ...handle, target };
  }

  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL is not set; the postgres target needs a server to create test databases on');

  const name = `onsite_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  // `close()` drops the database WITH (FORCE), which ends the idle connections of any pool a test
  // left open; those expected errors must not fail the run.
  const handle = await openDatabase({ driver: 'pg', url: url.toString(), maxConnections: 8, onIdleConnectionError: () => undefined });
  await handle.migrate();

  return {
    ...handle,
    target,
    close: async () => {
      await handle.close();
      await withAdminClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withAdminClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}
