import { generateKeyPairSync } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { encodeTensorsWithHash } from '@onsite/compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, results, tasks } from '../../db/schema/index.js';
import { databaseTargets } from '../support/database.js';
import { createMeanJob, readJob, seedProject, startJobsApi, TestGateway, type JobsApi } from './support/job-fixtures.js';
import { meanContribution } from './support/mean-computation.js';

describe.each(databaseTargets())('result submission on %s', (target) => {
  let api: JobsApi;

  beforeAll(async () => {
    api = await startJobsApi(target);
  });

  afterAll(async () => {
    await api.close();
  });

  /** Creates a two-site job, so one submission leaves the round open. */
  async function twoSiteJob(label: string) {
    const project = await seedProject(api, { hospitalCount: 2, label });
    const job = await createMeanJob(api, project);
    const [first, second] = project.gateways.map((seeded) => new TestGateway(api, seeded));
    if (!first || !second) throw new Error('seed made fewer than two gateways');
    return { project, job, first, second };
  }

  it('counts the same result submitted twice once', async () => {
    const { first } = await twoSiteJob('duplicate');
    const task = await first.claimOrFail();
    const { key, sha256 } = await first.upload(task, meanContribution(40, 4));
    const fields = { artifactKey: key, artifactSha256: sha256, sampleCount: 4, metrics: { rows: 4 } };

    const created = await first.submit(task, fields);
    const replayed = await first.submit(task, fields);

    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(replayed.status, JSON.stringify(replayed.body)).toBe(200);
    expect(replayed.body).toEqual(created.body);
    const stored = await api.runtime.deps.db.select().from(results).where(eq(results.taskId, task.taskId));
    expect(stored).toHaveLength(1);
    const submittedEvents = (await api.runtime.deps.db.select().from(auditEvents).where(eq(auditEvents.targetId, task.taskId))).filter(
      (event) => event.action === 'task.result_submitted',
    );
    expect(submittedEvents).toHaveLength(1);
  });

  it('stores one result when the same submission races itself', async () => {
    const { first } = await twoSiteJob('race');
    const task = await first.claimOrFail();
    const { key, sha256 } = await first.upload(task, meanContribution(40, 4));
    const fields = { artifactKey: key, artifactSha256: sha256, sampleCount: 4, metrics: {} };

    const responses = await Promise.all(Array.from({ length: 5 }, () => first.submit(task, fields)));

    expect(responses.map((response) => response.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(await api.runtime.deps.db.select().from(results).where(eq(results.taskId, task.taskId))).toHaveLength(1);
  });

  it('rejects a different second result for the same task', async () => {
    const { first } = await twoSiteJob('different');
    const task = await first.claimOrFail();
    const one = await first.upload(task, meanContribution(40, 4));
    expect((await first.submit(task, { artifactKey: one.key, artifactSha256: one.sha256, sampleCount: 4, metrics: {} })).status).toBe(201);

    const other = await first.submit(task, { artifactKey: one.key, artifactSha256: one.sha256, sampleCount: 5, metrics: {} });

    expect(other.status, JSON.stringify(other.body)).toBe(409);
    expect(String(other.body.detail)).toContain('already has a result');
  });

  it.each([
    ['a signature by another key', 'other-key'],
    ['a signature over other fields', 'other-fields'],
    ['a signature that is not Ed25519', 'garbage'],
  ])('rejects %s', async (_name, kind) => {
    const { first } = await twoSiteJob(`signature-${kind}`);
    const task = await first.claimOrFail();
    const { key, sha256 } = await first.upload(task, meanContribution(40, 4));
    const fields = { artifactKey: key, artifactSha256: sha256, sampleCount: 4, metrics: {} };
    const signature =
      kind === 'other-key'
        ? first.signature(task, fields, generateKeyPairSync('ed25519').privateKey)
        : kind === 'other-fields'
          ? first.signature(task, { ...fields, sampleCount: 400 })
          : Buffer.from('not a signature').toString('base64');

    const response = await first.submit(task, { ...fields, signature });

    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.body).toMatchObject({ errors: [{ path: 'body.signature' }] });
    const [row] = await api.runtime.deps.db.select().from(tasks).where(eq(tasks.id, task.taskId));
    expect(row?.state).toBe('leased');
  });

  it.each([
    ['an artifact that was never uploaded', 'missing', 'no artifact was uploaded'],
    ['an artifact whose SHA-256 differs', 'tampered', 'SHA-256'],
    ['an artifact under another key', 'other-key', 'artifactKey must be'],
  ])('rejects %s', async (_name, kind, message) => {
    const { first } = await twoSiteJob(`artifact-${kind}`);
    const task = await first.claimOrFail();
    const encoded = encodeTensorsWithHash(meanContribution(40, 4));
    let artifactKey = `${task.jobId}/elsewhere.safetensors`;
    let artifactSha256 = encoded.sha256;
    if (kind === 'missing') {
      const target = await api.json<{ key: string }>('POST', `/v1/tasks/${task.taskId}/upload-url`, { token: first.seeded.credential, body: { leaseToken: task.leaseToken, sizeBytes: 10 } });
      artifactKey = target.body.key;
    } else if (kind === 'tampered') {
      artifactKey = (await first.upload(task, meanContribution(40, 4))).key;
      artifactSha256 = 'f'.repeat(64);
    }

    const response = await first.submit(task, { artifactKey, artifactSha256, sampleCount: 4, metrics: {} });

    expect([400, 422], JSON.stringify(response.body)).toContain(response.status);
    expect(String(response.body.detail)).toContain(message);
  });

  it('rejects a result for a cancelled job', async () => {
    const { project, job, first } = await twoSiteJob('cancelled');
    const task = await first.claimOrFail();
    const { key, sha256 } = await first.upload(task, meanContribution(40, 4));
    const cancel = await api.json('POST', `/v1/jobs/${job.id}/cancel`, { token: project.scientistSecret });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);

    const response = await first.submit(task, { artifactKey: key, artifactSha256: sha256, sampleCount: 4, metrics: {} });

    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ errors: [{ message: 'job_finished' }] });
    expect((await readJob(api, project, job.id)).state).toBe('cancelled');
  });

  it('rejects a result for a past round', async () => {
    const { first, second } = await twoSiteJob('past-round');
    await first.contribute(meanContribution(10, 2), 2);
    const stale = await second.claimOrFail();
    const { key, sha256 } = await second.upload(stale, meanContribution(30, 2));
    expect((await second.submit(stale, { artifactKey: key, artifactSha256: sha256, sampleCount: 2, metrics: {} })).status).toBe(201);
    // Round 1 is now aggregated and round 2 open. Replay the round 1 lease with another result.
    const response = await second.submit(stale, { artifactKey: key, artifactSha256: sha256, sampleCount: 3, metrics: {} });

    expect(response.status).toBe(409);
    const next = await second.claimOrFail();
    expect(next.roundNumber).toBe(2);
  });

  it('records a refusal and fails the round naming the refusing site', async () => {
    const { project, job, first, second } = await twoSiteJob('refusal');
    await first.contribute(meanContribution(10, 2), 2);
    const task = await second.claimOrFail();

    const refused = await second.refuse(task, 'the site policy forbids exact event times');

    expect(refused.status, JSON.stringify(refused.body)).toBe(200);
    expect(refused.body).toMatchObject({ state: 'refused', failureReason: 'the site policy forbids exact event times' });
    const after = await readJob(api, project, job.id);
    expect(after.state).toBe('failed');
    expect(after.failureReason).toContain(second.seeded.name);
    expect(after.failureReason).toContain('the site policy forbids exact event times');
    const hospitalEvents = await api.runtime.deps.db.select().from(auditEvents).where(eq(auditEvents.organizationId, second.seeded.organizationId));
    expect(hospitalEvents.map((event) => event.action)).toContain('task.refused');
  });

  it('accepts an update uploaded in parts above 8 MiB', async () => {
    const { first } = await twoSiteJob('multipart');
    const task = await first.claimOrFail();
    // 1.2 million float64 values: 9.6 MB, above the 8 MiB single-upload threshold.
    const large = { weights: { dtype: 'F64' as const, shape: [1_200_000], data: new Float64Array(1_200_000).fill(0.5) } };
    const { bytes, sha256 } = encodeTensorsWithHash(large);

    const target = await api.json<{ kind: string; key: string; uploadId: string; parts: Array<{ partNumber: number; url: string; start: number; end: number }> }>(
      'POST',
      `/v1/tasks/${task.taskId}/upload-url`,
      { token: first.seeded.credential, body: { leaseToken: task.leaseToken, sizeBytes: bytes.byteLength } },
    );
    expect(target.status, JSON.stringify(target.body)).toBe(200);
    expect(target.body.kind).toBe('multipart');
    expect(target.body.parts).toHaveLength(2);
    const etags = [];
    for (const part of target.body.parts) {
      const url = new URL(part.url);
      const put = await api.runtime.app.request(`${url.pathname}${url.search}`, { method: 'PUT', body: bytes.slice(part.start, part.end) });
      expect(put.status).toBe(200);
      etags.push({ partNumber: part.partNumber, etag: put.headers.get('etag') ?? '' });
    }
    const completed = await api.json('POST', `/v1/tasks/${task.taskId}/upload-complete`, {
      token: first.seeded.credential,
      body: { leaseToken: task.leaseToken, uploadId: target.body.uploadId, parts: etags },
    });
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);

    const submitted = await first.submit(task, { artifactKey: target.body.key, artifactSha256: sha256, sampleCount: 4, metrics: {} });

    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    expect(submitted.body.artifactSize).toBe(bytes.byteLength);
  });
});
