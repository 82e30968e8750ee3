import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, datasetLinks, jobSites, jobs, modelApprovals, rounds, tasks } from '../../db/schema/index.js';
import { getComputation, type Computation, type ModelSpecInput } from '@onsite/compute';
import { databaseTargets } from '../support/database.js';
import { meanComputation } from './support/mean-computation.js';
import { seedProject, setModelDatasets, startJobsApi, type JobsApi, type SeededProject } from './support/job-fixtures.js';

const MLP_SPEC: ModelSpecInput = {
  family: 'mlp_classifier',
  outcome: { kind: 'binary', column: 'relapse', positive: 'yes' },
  features: [{ column: 'age', encoding: 'numeric', center: 53, scale: 10 }],
  hyperparameters: { hiddenLayers: [4] },
};

describe.each(databaseTargets())('job creation on %s', (target) => {
  let api: JobsApi;

  beforeAll(async () => {
    // A second computation that takes only Cox specs, to test the family check against a KM model,
    // and the real MLP FedAvg, to test its round limit.
    api = await startJobsApi(target, {
      cox_newton: { ...meanComputation, name: 'cox_newton', kind: 'train', families: ['cox_ph'] } as Computation,
      mlp_fedavg: getComputation('mlp_fedavg'),
    });
  });

  afterAll(async () => {
    await api.close();
  });

  function create(project: SeededProject, body: Record<string, unknown> = {}, token = project.scientistSecret) {
    return api.json<{ id: string; state: string; code?: string; detail?: string; errors?: Array<{ path: string; message: string }>; settings?: Record<string, unknown> }>('POST', `/v1/projects/${project.projectId}/jobs`, {
      token,
      body: { kind: 'analytics', computation: 'descriptive', modelId: project.modelId, ...body },
    });
  }

  it('creates round 1 with tasks and tensors', async () => {
    const project = await seedProject(api, { hospitalCount: 3, label: 'create' });

    const response = await create(project, { settings: { maxRounds: 4, options: { column: 'age' } } });

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({ state: 'queued', currentRound: 1, settings: { maxRounds: 4, quorum: 3, roundDeadlineSeconds: 3600, leaseSeconds: 300, maxAttempts: 3 } });
    const [round] = await api.runtime.deps.db.select().from(rounds).where(eq(rounds.jobId, response.body.id));
    expect(round).toMatchObject({ number: 1, state: 'open', quorum: 3 });
    expect(round?.globalTensorsKey).toBe(`${project.partnerId}/jobs/${response.body.id}/rounds/1/global.safetensors`);
    expect(await api.runtime.deps.blobStore.head(round?.globalTensorsKey ?? '')).not.toBeNull();
    const created = await api.runtime.deps.db.select().from(tasks).where(eq(tasks.jobId, response.body.id));
    expect(created.map((task) => task.state)).toEqual(['pending', 'pending', 'pending']);
    expect(new Set(created.map((task) => task.gatewayId))).toEqual(new Set(project.gateways.map((gateway) => gateway.id)));
    const events = await api.runtime.deps.db.select().from(auditEvents).where(eq(auditEvents.organizationId, project.partnerId));
    expect(events.map((event) => event.action)).toEqual(expect.arrayContaining(['job.created', 'round.opened']));
  });

  it('runs on the named links only', async () => {
    const project = await seedProject(api, { hospitalCount: 2, label: 'named-links' });
    const [chosen] = project.gateways;

    const response = await create(project, { datasetLinkIds: [chosen?.linkId] });

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const created = await api.runtime.deps.db.select().from(tasks).where(eq(tasks.jobId, response.body.id));
    expect(created.map((task) => task.gatewayId)).toEqual([chosen?.id]);
  });

  /** Dataset links of the job's sites, ordered by link id. */
  async function siteLinksOf(jobId: string): Promise<string[]> {
    const sites = await api.runtime.deps.db.select({ linkId: jobSites.datasetLinkId }).from(jobSites).where(eq(jobSites.jobId, jobId));
    return sites.map((site) => site.linkId).sort();
  }

  it("runs only on the model's links by default", async () => {
    const project = await seedProject(api, { hospitalCount: 2, label: 'model-links' });
    const [outsideSite, modelSite] = project.gateways;
    await setModelDatasets(api, project.modelId, [modelSite]);

    const response = await create(project);

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(await siteLinksOf(response.body.id)).toEqual([modelSite?.linkId]);
    const created = await api.runtime.deps.db.select().from(tasks).where(eq(tasks.jobId, response.body.id));
    expect(created.map((task) => task.gatewayId)).toEqual([modelSite?.id]);
    expect(created.map((task) => task.gatewayId)).not.toContain(outsideSite?.id);
  });

  it('rejects a named link outside the model', async () => {
    const project = await seedProject(api, { hospitalCount: 2, label: 'outside-link' });
    const [outsideSite, modelSite] = project.gateways;
    await setModelDatasets(api, project.modelId, [modelSite]);

    const response = await create(project, { datasetLinkIds: [modelSite?.linkId, outsideSite?.linkId] });

    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.body.detail).toContain(`dataset link(s) ${outsideSite?.linkId} lead to datasets outside model ${project.modelId}`);
    expect(response.body.detail).toContain('create a model whose datasetLinkIds include them');
    expect(response.body.detail).not.toContain(`${modelSite?.linkId} `);
    expect(response.body.errors).toEqual([{ path: 'body.datasetLinkIds.1', message: expect.stringContaining(`dataset link ${outsideSite?.linkId} is to dataset ${outsideSite?.datasetId}`) }]);
    expect(await api.runtime.deps.db.select().from(jobs).where(eq(jobs.projectId, project.projectId))).toHaveLength(0);
  });

  it("runs on a named subset of the model's links", async () => {
    const project = await seedProject(api, { hospitalCount: 3, label: 'subset' });
    const [first, , third] = project.gateways;

    const response = await create(project, { datasetLinkIds: [third?.linkId, first?.linkId] });

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(await siteLinksOf(response.body.id)).toEqual([first?.linkId, third?.linkId].sort());
  });

  it('leaves a revoked model link out by default', async () => {
    const project = await seedProject(api, { hospitalCount: 3, label: 'revoked-default' });
    const [first, revoked, third] = project.gateways;
    await api.runtime.deps.db.update(datasetLinks).set({ state: 'revoked' }).where(eq(datasetLinks.id, revoked?.linkId ?? ''));

    const response = await create(project);

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(await siteLinksOf(response.body.id)).toEqual([first?.linkId, third?.linkId].sort());
  });

  it("checks spec approvals of the job's sites only", async () => {
    const project = await seedProject(api, { hospitalCount: 2, label: 'approvals-of-sites' });
    const [outsideSite, modelSite] = project.gateways;
    await setModelDatasets(api, project.modelId, [modelSite]);
    await api.runtime.deps.db.delete(modelApprovals).where(eq(modelApprovals.organizationId, outsideSite?.organizationId ?? ''));

    const response = await create(project);

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(await siteLinksOf(response.body.id)).toEqual([modelSite?.linkId]);
  });

  it("follows the model's current datasets", async () => {
    const project = await seedProject(api, { hospitalCount: 2, label: 'current-datasets' });
    const [dropped, kept] = project.gateways;
    const before = await create(project);
    await setModelDatasets(api, project.modelId, [kept]);

    const after = await create(project);

    expect(before.status, JSON.stringify(before.body)).toBe(201);
    expect(await siteLinksOf(before.body.id)).toEqual([dropped?.linkId, kept?.linkId].sort());
    expect(after.status, JSON.stringify(after.body)).toBe(201);
    expect(await siteLinksOf(after.body.id)).toEqual([kept?.linkId]);
  });

  it.each([
    ["maxRounds below FedAvg's minimum", MLP_SPEC, { kind: 'train', computation: 'mlp_fedavg', settings: { maxRounds: 1 } }, 'body.settings.maxRounds', 'set 2 to 1000 rounds'],
    ['options the computation rejects', undefined, { settings: { options: { column: 7 } } }, 'body.settings.options', 'option "column" must be a string'],
  ])('points %s at its setting', async (name, spec, body, path, message) => {
    const project = await seedProject(api, { hospitalCount: 1, label: `setting ${name}`, ...(spec ? { spec } : {}) });

    const response = await create(project, body);

    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.errors).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it.each([
    ['a link that is not approved', 409, 'not approved', async (project: SeededProject) => {
      await api.runtime.deps.db.update(datasetLinks).set({ state: 'requested' }).where(eq(datasetLinks.id, project.gateways[1]?.linkId ?? ''));
      return { datasetLinkIds: project.gateways.map((gateway) => gateway.linkId) };
    }],
    ['a revoked link', 409, 'not approved', async (project: SeededProject) => {
      await api.runtime.deps.db.update(datasetLinks).set({ state: 'revoked' }).where(eq(datasetLinks.id, project.gateways[0]?.linkId ?? ''));
      return { datasetLinkIds: [project.gateways[0]?.linkId] };
    }],
    ['a model whose links are all revoked', 409, 'has no approved dataset link', async (project: SeededProject) => {
      await api.runtime.deps.db.update(datasetLinks).set({ state: 'revoked' }).where(eq(datasetLinks.projectId, project.projectId));
      return {};
    }],
    ['a model that lists no dataset', 409, 'lists no dataset', async (project: SeededProject) => {
      await setModelDatasets(api, project.modelId, []);
      return {};
    }],
    ['a spec one hospital has not approved', 409, 'is not approved by organization', async (project: SeededProject) => {
      await api.runtime.deps.db.delete(modelApprovals).where(eq(modelApprovals.organizationId, project.gateways[0]?.organizationId ?? ''));
      return {};
    }],
    ['an approval of an older spec SHA-256', 409, 'is not approved by organization', async (project: SeededProject) => {
      await api.runtime.deps.db
        .update(modelApprovals)
        .set({ specSha256: '0'.repeat(64) })
        .where(and(eq(modelApprovals.modelId, project.modelId), eq(modelApprovals.organizationId, project.gateways[1]?.organizationId ?? '')));
      return {};
    }],
    ['a revoked approval', 409, 'is not approved by organization', async (project: SeededProject) => {
      await api.runtime.deps.db.update(modelApprovals).set({ state: 'revoked' }).where(eq(modelApprovals.modelId, project.modelId));
      return {};
    }],
    ['a computation that does not take the model family', 422, 'accepts model families', async () => ({ computation: 'cox_newton', kind: 'train' })],
    ['a computation this server does not have', 422, 'is not available on this server', async () => ({ computation: 'logistic_fedavg', kind: 'train' })],
    ['a kind the computation does not run', 400, 'runs analytics jobs', async () => ({ kind: 'train' })],
    ['a quorum above the number of sites', 400, 'quorum 3 is more than', async () => ({ settings: { quorum: 3 } })],
    ['options the computation rejects', 400, 'option "column" must be a string', async () => ({ settings: { options: { column: 7 } } })],
    ['a link of another project', 404, 'was not found', async () => ({ datasetLinkIds: ['dsl_' + 'a'.repeat(32)] })],
  ])('rejects %s without queueing a job', async (name, status, message, arrange) => {
    const project = await seedProject(api, { hospitalCount: 2, label: `reject ${name}` });
    const body = await arrange(project);

    const response = await create(project, body);

    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(response.body.detail).toContain(message);
    expect(await api.runtime.deps.db.select().from(jobs).where(eq(jobs.projectId, project.projectId))).toHaveLength(0);
  });

  it('rejects a job in a frozen project', async () => {
    const project = await seedProject(api, { hospitalCount: 1, label: 'frozen', projectState: 'frozen' });

    const response = await create(project);

    expect(response.status).toBe(409);
    expect(response.body.detail).toContain('frozen');
  });

  it.each([
    ['a viewer key', 'viewer', 403],
    ['a data officer key', 'data_officer', 403],
  ])('rejects %s', async (_name, role, status) => {
    const project = await seedProject(api, { hospitalCount: 1, label: `role ${role}` });
    const key = await api.createApiKey(project.ownerSecret, role);

    const response = await create(project, {}, key.secret);

    expect(response.status).toBe(status);
  });

  it("answers 404 for another tenant's project and job", async () => {
    const project = await seedProject(api, { hospitalCount: 1, label: 'tenant' });
    const created = await create(project);
    const stranger = await api.createOrganization('Stranger lab', 'research_lab');

    const asStranger = await create(project, {}, stranger.ownerSecret);
    const read = await api.json('GET', `/v1/jobs/${created.body.id}`, { token: stranger.ownerSecret });
    const rounds = await api.json('GET', `/v1/jobs/${created.body.id}/rounds`, { token: stranger.ownerSecret });

    expect(asStranger.status).toBe(404);
    expect(read.status).toBe(404);
    expect(rounds.status).toBe(404);
  });

  it('lists jobs of a project newest first, page by page', async () => {
    const project = await seedProject(api, { hospitalCount: 1, label: 'list' });
    const ids = [];
    for (let index = 0; index < 3; index += 1) {
      api.clock.advanceSeconds(1);
      ids.push((await create(project)).body.id);
    }

    const first = await api.json<{ items: Array<{ id: string }>; nextCursor: string }>('GET', `/v1/projects/${project.projectId}/jobs?limit=2`, { token: project.scientistSecret });
    const second = await api.json<{ items: Array<{ id: string }>; nextCursor: string | null }>('GET', `/v1/projects/${project.projectId}/jobs?limit=2&cursor=${first.body.nextCursor}`, {
      token: project.scientistSecret,
    });

    expect([...first.body.items, ...second.body.items].map((job) => job.id)).toEqual(ids.reverse());
    expect(second.body.nextCursor).toBeNull();
  });
});
