import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../db/client.js';
import { jobs } from '../../db/schema/index.js';
import { createLogger } from '../../functions/logging/logger.js';
import { createRuntime } from '../../functions/runtime/create-runtime.js';
import { TEST_OPERATOR_TOKEN, type TestApi } from '../support/api-harness.js';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../support/database.js';
import { createMeanJob, seedProject, TestClock, TestGateway, withScheduler, type JobsApi } from './support/job-fixtures.js';
import { meanContribution } from './support/mean-computation.js';

/**
 * Starts one cloud process over a database and a blob folder that outlive it, so a test can stop the
 * process and start another one on the same data, as a restart or a new Lambda container does.
 */
async function startProcess(database: DatabaseHandle, blobRoot: string, clock: TestClock): Promise<JobsApi> {
  const runtime = await createRuntime({
    database: { driver: 'pglite' },
    blobStore: { kind: 'fs', root: blobRoot, signingSecret: 'restart-test-signing-secret-0123456789abcdef' },
    publicBaseUrl: 'http://127.0.0.1:8787',
    maxRequestBytes: 1024 * 1024,
    operatorToken: TEST_OPERATOR_TOKEN,
    logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    migrate: false,
    existingDatabase: database,
  });

  const request: TestApi['request'] = (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    return Promise.resolve(runtime.app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) }));
  };
  const api: TestApi = {
    runtime,
    database: { ...database, target: 'pglite' },
    request,
    async createOrganization(name, kind = 'hospital') {
      const response = await request('POST', '/v1/organizations', { token: TEST_OPERATOR_TOKEN, body: { name, kind } });
      const body = (await response.json()) as { organization: { id: string }; ownerKey: { secret: string } };
      if (response.status !== 201) throw new Error(`creating organization ${name} failed: ${response.status} ${JSON.stringify(body)}`);
      return { id: body.organization.id, ownerSecret: body.ownerKey.secret };
    },
    async createApiKey(ownerSecret, role, name = role) {
      const response = await request('POST', '/v1/api-keys', { token: ownerSecret, body: { name, role } });
      const body = (await response.json()) as { apiKey: { id: string }; secret: string };
      if (response.status !== 201) throw new Error(`creating ${role} key failed: ${response.status} ${JSON.stringify(body)}`);
      return { id: body.apiKey.id, secret: body.secret };
    },
    close: () => database.close(),
  };
  return withScheduler(api, clock);
}

describe.each(databaseTargets())('scheduler restart on %s', (target) => {
  let scratch: string;
  let owner: TestDatabase | undefined;
  let reopen: () => Promise<DatabaseHandle>;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'onsite-restart-'));
    if (target === 'pglite') {
      const dataDir = join(scratch, 'pgdata');
      const first = await openDatabase({ driver: 'pglite', dataDir });
      await first.migrate();
      await first.close();
      reopen = () => openDatabase({ driver: 'pglite', dataDir });
    } else {
      // The owner handle creates (and at the end drops) the database; each process gets its own pool.
      owner = await openTestDatabase('postgres');
      const [row] = (await owner.db.execute(sql`SELECT current_database() AS name`)).rows as Array<{ name: string }>;
      const url = new URL(process.env.DATABASE_URL ?? '');
      url.pathname = `/${row?.name ?? ''}`;
      reopen = () => openDatabase({ driver: 'pg', url: url.toString(), maxConnections: 4, onIdleConnectionError: () => undefined });
    }
  });

  afterAll(async () => {
    await owner?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('continues at the same round with the same state after a restart', async () => {
    const clock = new TestClock();
    const blobRoot = join(scratch, 'blobs');
    const before = await startProcess(await reopen(), blobRoot, clock);
    const project = await seedProject(before, { hospitalCount: 2, label: 'restart' });
    const job = await createMeanJob(before, project, { maxRounds: 3 });
    const [first, second] = project.gateways.map((seeded) => new TestGateway(before, seeded));
    if (!first || !second) throw new Error('seed made fewer than two gateways');
    await first.contribute(meanContribution(10, 2), 2);
    await second.contribute(meanContribution(30, 2), 2);
    // In round 2, one site submits before the stop and the other claims after it.
    const submittedBefore = await first.contribute(meanContribution(20, 2), 2);
    expect(submittedBefore.task.roundNumber).toBe(2);
    const [stateBefore] = await before.runtime.deps.db.select().from(jobs).where(eq(jobs.id, job.id));
    await before.close();

    const after = await startProcess(await reopen(), blobRoot, clock);
    const [stateAfter] = await after.runtime.deps.db.select().from(jobs).where(eq(jobs.id, job.id));
    const resumedSecond = new TestGateway(after, second.seeded);
    const resumedFirst = new TestGateway(after, first.seeded);
    const task = await resumedSecond.claimOrFail();

    expect(stateAfter?.currentRound).toBe(2);
    expect(stateAfter?.serverState).toEqual(stateBefore?.serverState);
    expect(task.roundNumber).toBe(2);
    expect(task.parameters).toEqual({ column: 'age', round: 2 });
    expect(await resumedFirst.claim()).toBeNull();

    const { key, sha256 } = await resumedSecond.upload(task, meanContribution(60, 2));
    await resumedSecond.submit(task, { artifactKey: key, artifactSha256: sha256, sampleCount: 2, metrics: {} });
    const results = await after.json<{ completedRounds: number; results: { means: number[] } }>('GET', `/v1/jobs/${job.id}/results`, { token: project.scientistSecret });
    // Round 1: (10 + 30) / 4 = 10. Round 2 counts the result sent before the restart once: (20 + 60) / 4 = 20.
    expect(results.body).toMatchObject({ completedRounds: 2, results: { means: [10, 20] } });
    await after.close();
  });
});
