import { and, eq } from 'drizzle-orm';
import { encodeTensors, type TensorMap } from '@onsite/compute';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, jobs, modelVersions, rounds, tasks } from '../../db/schema/index.js';
import type { AggregationTrigger } from '../../functions/api/context.js';
import { aggregateRoundIfReady } from '../../functions/services/jobs/aggregate-round.js';
import { sweep, STUCK_AGGREGATION_SECONDS } from '../../functions/services/jobs/sweep.js';
import { databaseTargets } from '../support/database.js';
import { createMeanJob, readJob, readRounds, seedProject, startJobsApi, TestGateway, type JobsApi } from './support/job-fixtures.js';
import { meanContribution } from './support/mean-computation.js';

/** Records announcements instead of aggregating, so a test decides when aggregation runs. */
class RecordingTrigger implements AggregationTrigger {
  messages: Array<{ jobId: string; roundId: string; organizationId: string }> = [];
  notifyResultSubmitted(message: { jobId: string; roundId: string; organizationId: string }): Promise<void> {
    this.messages.push(message);
    return Promise.resolve();
  }
}

const BAD_UPDATES: Array<[string, () => Uint8Array, string]> = [
  ['a NaN value', () => encodeTensors({ ...meanContribution(1, 1), sum: { dtype: 'F64', shape: [1], data: Float64Array.of(Number.NaN) } }), 'non-finite value NaN'],
  ['an infinite value', () => encodeTensors({ ...meanContribution(1, 1), count: { dtype: 'F64', shape: [1], data: Float64Array.of(Infinity) } }), 'non-finite value Infinity'],
  ['a wrong shape', () => encodeTensors({ ...meanContribution(1, 1), sum: { dtype: 'F64', shape: [2], data: Float64Array.of(1, 2) } }), 'has shape [2] but [1] is expected'],
  ['a wrong dtype', () => encodeTensors({ ...meanContribution(1, 1), sum: { dtype: 'F32', shape: [1], data: Float32Array.of(1) } }), 'is F32 but F64 is expected'],
  ['a missing tensor', () => encodeTensors({ sum: { dtype: 'F64', shape: [1], data: Float64Array.of(1) } } as TensorMap), '"count" are missing'],
  ['bytes that are not safetensors', () => new TextEncoder().encode('{"sum": 1}'), 'not a valid safetensors file'],
];

describe.each(databaseTargets())('round aggregation on %s', (target) => {
  let api: JobsApi;

  beforeAll(async () => {
    api = await startJobsApi(target);
  });

  afterEach(() => {
    delete api.runtime.deps.aggregationTrigger;
  });

  afterAll(async () => {
    await api.close();
  });

  async function jobWithSites(label: string, hospitalCount: number, settings: Record<string, unknown> = {}) {
    const project = await seedProject(api, { hospitalCount, label });
    const job = await createMeanJob(api, project, settings);
    const sites = project.gateways.map((seeded) => new TestGateway(api, seeded));
    return { project, job, sites };
  }

  async function roundRow(jobId: string, number: number) {
    const [row] = await api.runtime.deps.db.select().from(rounds).where(and(eq(rounds.jobId, jobId), eq(rounds.number, number)));
    if (!row) throw new Error(`job ${jobId} has no round ${number}`);
    return row;
  }

  it('runs a job to success, one model version per round', async () => {
    const { project, job, sites } = await jobWithSites('success', 2, { maxRounds: 2 });
    const [first, second] = sites;
    if (!first || !second) throw new Error('seed made fewer than two gateways');

    await first.contribute(meanContribution(100, 10), 10, { rows: 10 });
    await second.contribute(meanContribution(300, 10), 10, { rows: 10 });
    const roundTwo = await first.claimOrFail();
    expect(roundTwo.roundNumber).toBe(2);
    await second.contribute(meanContribution(30, 10), 10);
    const { key, sha256 } = await first.upload(roundTwo, meanContribution(10, 10));
    await first.submit(roundTwo, { artifactKey: key, artifactSha256: sha256, sampleCount: 10, metrics: {} });

    const finished = await readJob(api, project, job.id);
    expect(finished.state).toBe('succeeded');
    const results = await api.json<{ final: boolean; completedRounds: number; results: { means: number[] } }>('GET', `/v1/jobs/${job.id}/results`, { token: project.scientistSecret });
    expect(results.body).toMatchObject({ final: true, completedRounds: 2, results: { means: [20, 2] } });
    const versions = await api.runtime.deps.db.select().from(modelVersions).where(eq(modelVersions.modelId, project.modelId));
    expect(versions.map((version) => version.version).sort()).toEqual([1, 2]);
    expect(versions[0]?.lineage).toMatchObject({ jobId: job.id, contributingGatewayIds: [first.seeded.id, second.seeded.id].sort() });
    const artifact = versions[0]?.artifacts[0];
    expect(artifact?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await api.runtime.deps.blobStore.head(artifact?.key ?? ''))?.size).toBe(artifact?.size);
  });

  it('aggregates once when triggered many times at once', async () => {
    const trigger = new RecordingTrigger();
    api.runtime.deps.aggregationTrigger = trigger;
    const { job, sites } = await jobWithSites('concurrent', 2);
    for (const site of sites) await site.contribute(meanContribution(10, 2), 2);
    const round = await roundRow(job.id, 1);
    expect(trigger.messages).toEqual([
      { jobId: job.id, roundId: round.id, organizationId: round.organizationId },
      { jobId: job.id, roundId: round.id, organizationId: round.organizationId },
    ]);

    const outcomes = await Promise.all(Array.from({ length: 6 }, () => aggregateRoundIfReady(api.scheduler(), round.id)));

    expect(outcomes.filter((outcome) => outcome.outcome === 'completed')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.outcome === 'not_open')).toHaveLength(5);
    const jobRounds = await api.runtime.deps.db.select().from(rounds).where(eq(rounds.jobId, job.id));
    expect(jobRounds.map((row) => row.number).sort()).toEqual([1, 2]);
    const completions = await api.runtime.deps.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, round.id), eq(auditEvents.action, 'round.completed')));
    expect(completions).toHaveLength(1);
  });

  it.each(BAD_UPDATES)('rejects an update with %s, round goes on', async (_name, encode, reason) => {
    const trigger = new RecordingTrigger();
    api.runtime.deps.aggregationTrigger = trigger;
    const { project, job, sites } = await jobWithSites(`bad-${_name}`, 3, { quorum: 2 });
    const [good, alsoGood, bad] = sites;
    if (!good || !alsoGood || !bad) throw new Error('seed made fewer than three gateways');
    await good.contribute(meanContribution(10, 2), 2);
    await alsoGood.contribute(meanContribution(30, 2), 2);
    const task = await bad.claimOrFail();
    // The quorum of two was met already, but aggregation has not run: the recording trigger keeps it back.
    const uploaded = await bad.uploadBytes(task, encode());
    expect((await bad.submit(task, { artifactKey: uploaded.key, artifactSha256: uploaded.sha256, sampleCount: 2, metrics: {} })).status).toBe(201);

    const outcome = await aggregateRoundIfReady(api.scheduler(), (await roundRow(job.id, 1)).id);

    expect(outcome).toMatchObject({ outcome: 'completed', nextRound: 2 });
    const [round] = await readRounds(api, project, job.id);
    const rejected = round?.sites.find((site) => site.gatewayId === bad.seeded.id);
    expect(rejected?.state).toBe('rejected');
    expect(rejected?.reason).toContain(reason);
    expect(round?.metrics).toMatchObject({ mean: 10, count: 4 });
  });

  it('fails the round explicitly when a rejected update breaks the quorum', async () => {
    const trigger = new RecordingTrigger();
    api.runtime.deps.aggregationTrigger = trigger;
    const { project, job, sites } = await jobWithSites('bad-quorum', 2);
    const [good, bad] = sites;
    if (!good || !bad) throw new Error('seed made fewer than two gateways');
    await good.contribute(meanContribution(10, 2), 2);
    await bad.contribute({ ...meanContribution(1, 1), sum: { dtype: 'F64', shape: [1], data: Float64Array.of(Number.NaN) } }, 1);
    const before = await api.runtime.deps.db.select({ serverState: jobs.serverState }).from(jobs).where(eq(jobs.id, job.id));

    const outcome = await aggregateRoundIfReady(api.scheduler(), (await roundRow(job.id, 1)).id);

    expect(outcome.outcome).toBe('failed');
    const failed = await readJob(api, project, job.id);
    expect(failed.state).toBe('failed');
    expect(failed.failureReason).toContain('1 valid result(s) for a quorum of 2');
    expect(failed.failureReason).toContain('non-finite value NaN');
    const after = await api.runtime.deps.db.select({ serverState: jobs.serverState }).from(jobs).where(eq(jobs.id, job.id));
    expect(after).toEqual(before);
  });

  it('fails explicitly on zero total weight and keeps the previous model', async () => {
    const { project, job, sites } = await jobWithSites('zero-weight', 2, { maxRounds: 3 });
    for (const site of sites) await site.contribute(meanContribution(10, 2), 2);
    const before = await api.runtime.deps.db.select({ serverState: jobs.serverState, results: jobs.results }).from(jobs).where(eq(jobs.id, job.id));
    const versionsBefore = await api.runtime.deps.db.select().from(modelVersions).where(eq(modelVersions.modelId, project.modelId));

    for (const site of sites) await site.contribute(meanContribution(0, 0), 1);

    const failed = await readJob(api, project, job.id);
    expect(failed.state).toBe('failed');
    expect(failed.failureReason).toContain('zero_total_weight');
    expect(failed.failureReason).toContain('the previous model is kept');
    const [, roundTwo] = await readRounds(api, project, job.id);
    expect(roundTwo?.state).toBe('failed');
    const after = await api.runtime.deps.db.select({ serverState: jobs.serverState, results: jobs.results }).from(jobs).where(eq(jobs.id, job.id));
    expect(after).toEqual(before);
    expect(await api.runtime.deps.db.select().from(modelVersions).where(eq(modelVersions.modelId, project.modelId))).toHaveLength(versionsBefore.length);
  });

  it('closes at quorum without the straggler', async () => {
    const { project, job, sites } = await jobWithSites('straggler', 3, { quorum: 2 });
    const [fast, alsoFast, slow] = sites;
    if (!fast || !alsoFast || !slow) throw new Error('seed made fewer than three gateways');
    const late = await slow.claimOrFail();
    const upload = await slow.upload(late, meanContribution(99, 1));

    await fast.contribute(meanContribution(10, 2), 2);
    await alsoFast.contribute(meanContribution(30, 2), 2);
    const response = await slow.submit(late, { artifactKey: upload.key, artifactSha256: upload.sha256, sampleCount: 1, metrics: {} });

    expect(response.status).toBe(409);
    const [round] = await readRounds(api, project, job.id);
    expect(round?.state).toBe('completed');
    expect(round?.sites.find((site) => site.gatewayId === slow.seeded.id)?.state).toBe('cancelled');
    expect((await readJob(api, project, job.id)).currentRound).toBe(2);
  });

  it('fails a round past its deadline without the quorum, naming the missing sites', async () => {
    const { project, job, sites } = await jobWithSites('deadline', 3, { quorum: 2, roundDeadlineSeconds: 600, leaseSeconds: 300 });
    const [fast, silent, slow] = sites;
    if (!fast || !silent || !slow) throw new Error('seed made fewer than three gateways');
    await fast.contribute(meanContribution(10, 2), 2);
    const straggling = await slow.claimOrFail();

    for (let elapsed = 0; elapsed < 600; elapsed += 200) {
      api.clock.advanceSeconds(200);
      expect((await slow.heartbeat(straggling)).status).toBe(200);
    }
    api.clock.advanceSeconds(1);
    await sweep(api.scheduler());

    const failed = await readJob(api, project, job.id);
    expect(failed.state).toBe('failed');
    const [round] = await readRounds(api, project, job.id);
    expect(round?.state).toBe('failed');
    expect(round?.missingSites?.map((site) => site.gatewayId).sort()).toEqual([silent.seeded.id, slow.seeded.id].sort());
    expect(round?.failureReason).toContain(silent.seeded.name);
    expect(round?.failureReason).toContain('deadline');
  });

  it('resumes an aggregation stuck after its start', async () => {
    const trigger = new RecordingTrigger();
    api.runtime.deps.aggregationTrigger = trigger;
    const { project, job, sites } = await jobWithSites('stuck', 2);
    for (const site of sites) await site.contribute(meanContribution(10, 2), 2);
    const round = await roundRow(job.id, 1);
    // What a process that stopped right after step 1 leaves behind.
    await api.runtime.deps.db
      .update(rounds)
      .set({ state: 'aggregating', aggregationAttempt: 1, aggregationStartedAt: api.clock.now() })
      .where(eq(rounds.id, round.id));
    delete api.runtime.deps.aggregationTrigger;

    const early = await sweep(api.scheduler());
    expect(early.aggregationsResumed).toBe(0);
    api.clock.advanceSeconds(STUCK_AGGREGATION_SECONDS + 1);
    const later = await sweep(api.scheduler());

    expect(later.outcomes).toContainEqual({ outcome: 'completed', round: 1, jobState: 'running', nextRound: 2 });
    const [resumed] = await readRounds(api, project, job.id);
    expect(resumed?.state).toBe('completed');
    const [row] = await api.runtime.deps.db.select().from(rounds).where(eq(rounds.id, round.id));
    expect(row?.aggregationAttempt).toBe(2);
    expect(await api.runtime.deps.db.select().from(tasks).where(and(eq(tasks.jobId, job.id), eq(tasks.roundNumber, 2)))).toHaveLength(2);
  });
});
