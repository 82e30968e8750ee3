import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tasks } from '../../db/schema/index.js';
import { sweep } from '../../functions/services/jobs/sweep.js';
import { databaseTargets } from '../support/database.js';
import { createMeanJob, seedProject, startJobsApi, TestGateway, type JobsApi } from './support/job-fixtures.js';
import { meanContribution } from './support/mean-computation.js';

describe.each(databaseTargets())('task claims on %s', (target) => {
  let api: JobsApi;

  beforeAll(async () => {
    api = await startJobsApi(target);
  });

  afterAll(async () => {
    await api.close();
  });

  it('hands each task to exactly one of many parallel claims', async () => {
    const project = await seedProject(api, { hospitalCount: 2, label: 'parallel' });
    const jobs = [];
    for (let index = 0; index < 6; index += 1) jobs.push(await createMeanJob(api, project));
    const [first, second] = project.gateways.map((gateway) => new TestGateway(api, gateway));
    if (!first || !second) throw new Error('seed made fewer than two gateways');

    const attempts = await Promise.all([...Array.from({ length: 10 }, () => first.claim()), ...Array.from({ length: 10 }, () => second.claim())]);
    const claimed = attempts.filter((task) => task !== null);

    const ids = claimed.map((task) => task.taskId);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    expect(attempts.filter((task) => task === null)).toHaveLength(8);
  });

  it('answers 204 with Retry-After when no task is ready', async () => {
    const project = await seedProject(api, { hospitalCount: 1, label: 'idle' });
    const [gateway] = project.gateways;
    if (!gateway) throw new Error('seed made no gateway');

    const response = await api.request('POST', '/v1/tasks/claim?waitSeconds=0', { token: gateway.credential });

    expect(response.status).toBe(204);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('hands out only the calling gateway its own tasks', async () => {
    const project = await seedProject(api, { hospitalCount: 2, label: 'own' });
    await createMeanJob(api, project);

    const first = new TestGateway(api, project.gateways[0] ?? (undefined as never));
    const task = await first.claimOrFail();
    const [row] = await api.runtime.deps.db.select().from(tasks).where(eq(tasks.id, task.taskId));

    expect(row?.gatewayId).toBe(project.gateways[0]?.id);
    expect(await first.claim()).toBeNull();
  });

  it('gives the claimed task everything the gateway needs', async () => {
    const project = await seedProject(api, { hospitalCount: 1, label: 'payload' });
    const job = await createMeanJob(api, project);
    const gateway = new TestGateway(api, project.gateways[0] ?? (undefined as never));

    const response = await api.json<Record<string, unknown>>('POST', '/v1/tasks/claim', { token: gateway.seeded.credential });

    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      jobId: job.id,
      roundNumber: 1,
      projectId: project.projectId,
      datasetId: gateway.seeded.datasetId,
      modelId: project.modelId,
      kind: 'analytics',
      computation: 'descriptive',
      specSha256: project.specSha256,
      parameters: { column: 'age', round: 1 },
      attempt: 1,
      maxAttempts: 3,
    });
    expect(response.body.spec).toMatchObject({ family: 'kaplan_meier' });
    const globalTensors = response.body.globalTensors as { url: string; sha256: string };
    const download = await api.runtime.app.request(new URL(globalTensors.url).pathname + new URL(globalTensors.url).search);
    expect(download.status).toBe(200);
    expect(globalTensors.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("keeps one tenant's failing job from blocking another tenant's claims", async () => {
    // One hospital gateway serves two partners' projects. The first partner's job fails over
    // and over (its leases expire); the second partner's job, created later, must still be served.
    const failing = await seedProject(api, { hospitalCount: 1, label: 'failing' });
    const failingJob = await createMeanJob(api, failing, { maxAttempts: 5, leaseSeconds: 30 });
    const sharedGateway = failing.gateways[0] ?? (undefined as never);
    const healthy = await seedProject(api, { hospitalCount: 1, label: 'healthy', reuseGateway: sharedGateway });
    const gateway = new TestGateway(api, sharedGateway);

    const stuck = await gateway.claimOrFail();
    expect(stuck.jobId).toBe(failingJob.id);
    api.clock.advanceSeconds(5);
    const healthyJob = await createMeanJob(api, healthy, { maxRounds: 1 });
    api.clock.advanceSeconds(30);
    await sweep(api.scheduler());

    const next = await gateway.claimOrFail();

    expect(next.jobId).toBe(healthyJob.id);
    const { key, sha256 } = await gateway.upload(next, meanContribution(10, 2));
    const response = await gateway.submit(next, { artifactKey: key, artifactSha256: sha256, sampleCount: 2, metrics: {} });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const retried = await gateway.claimOrFail();
    expect(retried.jobId).toBe(failingJob.id);
    expect(retried.attempt).toBe(2);
  });

  it.each([
    ['heartbeat', (taskId: string) => [`/v1/tasks/${taskId}/heartbeat`, { leaseToken: 'x'.repeat(32) }] as const],
    ['upload URL', (taskId: string) => [`/v1/tasks/${taskId}/upload-url`, { leaseToken: 'x'.repeat(32), sizeBytes: 10 }] as const],
    ['refusal', (taskId: string) => [`/v1/tasks/${taskId}/refuse`, { reason: 'not mine' }] as const],
    [
      'result',
      (taskId: string) =>
        [`/v1/tasks/${taskId}/result`, { leaseToken: 'x'.repeat(32), artifactKey: 'k', artifactSha256: 'a'.repeat(64), sampleCount: 1, metrics: {}, signature: 'AAAA' }] as const,
    ],
  ])("answers 404 to another gateway's %s", async (_name, build) => {
    const project = await seedProject(api, { hospitalCount: 2, label: `foreign ${_name}` });
    await createMeanJob(api, project);
    const owner = new TestGateway(api, project.gateways[0] ?? (undefined as never));
    const task = await owner.claimOrFail();
    const [path, body] = build(task.taskId);

    const response = await api.json('POST', path, { token: project.gateways[1]?.credential ?? '', body });

    expect(response.status, JSON.stringify(response.body)).toBe(404);
  });

  it.each([
    ['an API key on a gateway operation', 'user', 'POST', '/v1/tasks/claim', 403],
    ['a gateway credential on a user operation', 'gateway', 'GET', '/v1/jobs/job_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 403],
    ['no credential', 'none', 'POST', '/v1/tasks/claim', 401],
  ])('rejects %s', async (_name, credential, method, path, status) => {
    const project = await seedProject(api, { hospitalCount: 1, label: `credential ${credential}` });
    const token = credential === 'user' ? project.scientistSecret : credential === 'gateway' ? project.gateways[0]?.credential : undefined;

    const response = await api.request(method, path, token ? { token } : {});

    expect(response.status).toBe(status);
  });
});
