import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tasks } from '../../db/schema/index.js';
import { sweep } from '../../functions/services/jobs/sweep.js';
import { databaseTargets } from '../support/database.js';
import { createMeanJob, readRounds, seedProject, startJobsApi, TestGateway, type JobsApi } from './support/job-fixtures.js';
import { meanContribution } from './support/mean-computation.js';

describe.each(databaseTargets())('task leases on %s', (target) => {
  let api: JobsApi;

  beforeAll(async () => {
    api = await startJobsApi(target);
  });

  afterAll(async () => {
    await api.close();
  });

  async function oneSiteJob(label: string, settings: Record<string, unknown> = {}) {
    const project = await seedProject(api, { hospitalCount: 1, label });
    const job = await createMeanJob(api, project, { leaseSeconds: 60, maxAttempts: 2, ...settings });
    return { project, job, gateway: new TestGateway(api, project.gateways[0] ?? (undefined as never)) };
  }

  it('returns an expired lease to the queue, then fails the task at max attempts', async () => {
    const { project, job, gateway } = await oneSiteJob('expiry');

    const first = await gateway.claimOrFail();
    api.clock.advanceSeconds(61);
    const firstSweep = await sweep(api.scheduler());

    expect(firstSweep.leasesReturned).toBe(1);
    const second = await gateway.claimOrFail();
    expect(second.taskId).toBe(first.taskId);
    expect(second.attempt).toBe(2);
    expect(second.leaseToken).not.toBe(first.leaseToken);

    api.clock.advanceSeconds(61);
    const secondSweep = await sweep(api.scheduler());

    expect(secondSweep.tasksFailed).toBe(1);
    const [row] = await api.runtime.deps.db.select().from(tasks).where(eq(tasks.id, first.taskId));
    expect(row?.state).toBe('failed');
    expect(row?.attempts).toBe(2);
    expect(row?.failureReason).toContain('2 time(s)');
    // With its only task failed the round cannot reach its quorum, so it fails naming the gateway.
    const [round] = await readRounds(api, project, job.id);
    expect(round?.state).toBe('failed');
    expect(round?.missingSites?.map((site) => site.gatewayId)).toEqual([gateway.seeded.id]);
  });

  it('rejects a heartbeat from the previous holder after reassignment', async () => {
    const { gateway } = await oneSiteJob('reassigned', { maxAttempts: 3 });
    const first = await gateway.claimOrFail();
    api.clock.advanceSeconds(61);
    await sweep(api.scheduler());
    await gateway.claimOrFail();

    const stale = await gateway.heartbeat(first);

    expect(stale.status, JSON.stringify(stale.body)).toBe(409);
    expect(stale.body).toMatchObject({ errors: [{ path: 'body.leaseToken', message: 'lease_reassigned' }] });
  });

  it('rejects a heartbeat after the lease expired, before any sweep', async () => {
    const { gateway } = await oneSiteJob('late-heartbeat');
    const task = await gateway.claimOrFail();
    api.clock.advanceSeconds(61);

    const late = await gateway.heartbeat(task);

    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ errors: [{ message: 'lease_expired' }] });
  });

  it('keeps a heartbeating slow task alive past many lease lengths', async () => {
    const { gateway } = await oneSiteJob('slow', { roundDeadlineSeconds: 3600 });
    const task = await gateway.claimOrFail();

    for (let minute = 0; minute < 10; minute += 1) {
      api.clock.advanceSeconds(45);
      const beat = await gateway.heartbeat(task);
      expect(beat.status, JSON.stringify(beat.body)).toBe(200);
      await sweep(api.scheduler());
      const [row] = await api.runtime.deps.db.select().from(tasks).where(eq(tasks.id, task.taskId));
      expect(row?.state).toBe('leased');
      expect(row?.attempts).toBe(0);
    }
    const { key, sha256 } = await gateway.upload(task, meanContribution(50, 5));
    const submitted = await gateway.submit(task, { artifactKey: key, artifactSha256: sha256, sampleCount: 5, metrics: {} });

    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
  });

  it('rejects a result submitted after the lease expired', async () => {
    const { gateway } = await oneSiteJob('late-result');
    const task = await gateway.claimOrFail();
    const { key, sha256 } = await gateway.upload(task, meanContribution(50, 5));
    api.clock.advanceSeconds(61);

    const late = await gateway.submit(task, { artifactKey: key, artifactSha256: sha256, sampleCount: 5, metrics: {} });

    expect(late.status, JSON.stringify(late.body)).toBe(409);
    expect(late.body).toMatchObject({ errors: [{ message: 'lease_expired' }] });
  });

  it('lets the job owner retry a failed task while the round is open', async () => {
    const project = await seedProject(api, { hospitalCount: 2, label: 'retry' });
    await createMeanJob(api, project, { leaseSeconds: 60, maxAttempts: 1 });
    const [lost, other] = project.gateways.map((seeded) => new TestGateway(api, seeded));
    if (!lost || !other) throw new Error('seed made fewer than two gateways');
    const task = await lost.claimOrFail();
    const busy = await other.claimOrFail();
    api.clock.advanceSeconds(30);
    expect((await other.heartbeat(busy)).status).toBe(200);
    api.clock.advanceSeconds(31);
    // Only the first gateway's lease has expired, and with one attempt allowed its task fails.
    await sweep(api.scheduler());
    const [failed] = await api.runtime.deps.db.select().from(tasks).where(eq(tasks.id, task.taskId));
    expect(failed?.state).toBe('failed');

    const retried = await api.json<{ state: string; attempts: number }>('POST', `/v1/tasks/${task.taskId}/retry`, { token: project.scientistSecret });

    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toMatchObject({ state: 'pending', attempts: 0 });
    expect((await lost.claimOrFail()).taskId).toBe(task.taskId);
  });
});
