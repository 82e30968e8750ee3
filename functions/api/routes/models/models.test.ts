import { normaliseModelSpec, type ModelSpecInput } from '@onsite/compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../../../test/support/database.js';
import { startTestApi, type TestApi } from '../../../../test/support/api-harness.js';
import { GBSG2_COLUMNS, seedCollaboration, type Collaboration } from '../../../../test/support/seed-collaboration.js';
import { isSpecApprovedByAllOwners } from '../../../services/models/approval-status.js';

const COX_SPEC: ModelSpecInput = {
  family: 'cox_ph',
  outcome: { kind: 'survival', time: 'time', event: 'cens' },
  features: [
    { column: 'horTh', encoding: 'categorical', levels: ['no', 'yes'], reference: 'no' },
    { column: 'age', encoding: 'numeric' },
    { column: 'tgrade', encoding: 'categorical', levels: ['I', 'II', 'III'], reference: 'I' },
    { column: 'pnodes', encoding: 'numeric' },
  ],
  hyperparameters: { ties: 'breslow' },
};

interface ModelBody {
  id: string;
  spec: Record<string, unknown>;
  specSha256: string;
  datasetIds: string[];
  approvals: Array<{ id: string; organizationId: string; state: string; specSha256: string; current: boolean }>;
  datasetOwners: Array<{ organizationId: string; datasetIds: string[]; approved: boolean }>;
  approvedForAllDatasets: boolean;
}

interface ProblemBody {
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

describe.each(databaseTargets())('models on %s', (target) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi(target);
  });

  afterAll(async () => {
    await api.close();
  });

  /** Seeds a collaboration whose dataset the partner has asked to use. */
  async function seedLinked(label: string): Promise<Collaboration & { linkId: string }> {
    const seed = await seedCollaboration(api, label);
    const response = await api.request('POST', `/v1/projects/${seed.projectId}/dataset-links`, {
      token: seed.partner.dataScientistSecret,
      body: { datasetId: seed.datasetId },
    });
    const link = await json<{ id: string }>(response);
    if (response.status !== 201) throw new Error(`requesting the link failed: ${JSON.stringify(link)}`);
    return { ...seed, linkId: link.id };
  }

  async function createModel(seed: Collaboration, spec: unknown = COX_SPEC, extra: Record<string, unknown> = {}) {
    return api.request('POST', `/v1/projects/${seed.projectId}/models`, {
      token: seed.partner.dataScientistSecret,
      body: { name: 'Relapse risk', spec, ...extra },
    });
  }

  it('stores the normalised spec and its SHA-256', async () => {
    const seed = await seedLinked('create');

    const response = await createModel(seed);
    const model = await json<ModelBody>(response);

    expect(response.status, JSON.stringify(model)).toBe(201);
    const expected = normaliseModelSpec(COX_SPEC);
    expect(model.specSha256).toBe(expected.sha256);
    expect(model.spec).toEqual(expected.spec);
    expect(model.datasetIds).toEqual([seed.datasetId]);
    expect(model.datasetOwners).toEqual([{ organizationId: seed.hospital.id, datasetIds: [seed.datasetId], approved: false }]);
    expect(model.approvedForAllDatasets).toBe(false);
  });

  it('restricts approval to dataset owner officers', async () => {
    const seed = await seedLinked('approve');
    const model = await json<ModelBody>(await createModel(seed));
    const outsider = await api.createOrganization('Approve outsider');
    const hospitalViewer = await api.createApiKey(seed.hospital.ownerSecret, 'viewer');
    const approve = (token: string, specSha256 = model.specSha256) =>
      api.request('POST', `/v1/models/${model.id}/approvals`, { token, body: { specSha256 } });

    expect((await approve(outsider.ownerSecret)).status).toBe(404);
    expect((await approve(seed.partner.ownerSecret)).status).toBe(403);
    expect((await approve(hospitalViewer.secret)).status).toBe(403);

    const stale = await approve(seed.hospital.dataOfficerSecret, 'f'.repeat(64));
    const staleProblem = await json<ProblemBody>(stale);
    expect(stale.status).toBe(409);
    expect(staleProblem.detail).toContain('f'.repeat(64));
    expect(staleProblem.detail).toContain(model.specSha256);

    const approved = await approve(seed.hospital.dataOfficerSecret);
    const approval = await json<{ id: string; state: string; current: boolean }>(approved);
    expect(approved.status, JSON.stringify(approval)).toBe(201);
    expect(approval).toMatchObject({ state: 'approved', current: true });

    expect((await approve(seed.hospital.dataOfficerSecret)).status).toBe(409);

    const read = await json<ModelBody>(await api.request('GET', `/v1/models/${model.id}`, { token: seed.partner.dataScientistSecret }));
    expect(read.approvedForAllDatasets).toBe(true);
    expect(read.datasetOwners[0]?.approved).toBe(true);
    expect(read.approvals.map((entry) => entry.id)).toEqual([approval.id]);

    const db = api.runtime.deps.db;
    expect(await isSpecApprovedByAllOwners(db, model.id, model.specSha256, [seed.datasetId])).toBe(true);
    expect(await isSpecApprovedByAllOwners(db, model.id, 'f'.repeat(64), [seed.datasetId])).toBe(false);
    expect(await isSpecApprovedByAllOwners(db, model.id, model.specSha256, [])).toBe(false);
  });

  it('stops counting approvals of a replaced spec', async () => {
    const seed = await seedLinked('update');
    const model = await json<ModelBody>(await createModel(seed));
    const first = await json<{ id: string }>(
      await api.request('POST', `/v1/models/${model.id}/approvals`, { token: seed.hospital.dataOfficerSecret, body: { specSha256: model.specSha256 } }),
    );

    const changedSpec = { ...COX_SPEC, hyperparameters: { ties: 'efron' } };
    const response = await api.request('PATCH', `/v1/models/${model.id}`, { token: seed.partner.dataScientistSecret, body: { spec: changedSpec } });
    const updated = await json<ModelBody>(response);

    expect(response.status, JSON.stringify(updated)).toBe(200);
    expect(updated.specSha256).toBe(normaliseModelSpec(changedSpec).sha256);
    expect(updated.specSha256).not.toBe(model.specSha256);
    expect(updated.approvedForAllDatasets).toBe(false);
    expect(updated.approvals).toEqual([expect.objectContaining({ id: first.id, state: 'approved', current: false, specSha256: model.specSha256 })]);
    expect(await isSpecApprovedByAllOwners(api.runtime.deps.db, model.id, updated.specSha256, [seed.datasetId])).toBe(false);

    const renamed = await api.request('PATCH', `/v1/models/${model.id}`, { token: seed.partner.dataScientistSecret, body: { name: 'Relapse risk, Efron' } });
    expect((await json<ModelBody>(renamed)).specSha256).toBe(updated.specSha256);
  });

  it('lets only the model organization change it', async () => {
    const seed = await seedLinked('editor');
    const model = await json<ModelBody>(await createModel(seed));

    const byHospital = await api.request('PATCH', `/v1/models/${model.id}`, { token: seed.hospital.ownerSecret, body: { name: 'Renamed' } });

    expect(byHospital.status).toBe(403);
  });

  it('revokes an approval once, by its organization', async () => {
    const seed = await seedLinked('revoke');
    const model = await json<ModelBody>(await createModel(seed));
    const approval = await json<{ id: string }>(
      await api.request('POST', `/v1/models/${model.id}/approvals`, { token: seed.hospital.dataOfficerSecret, body: { specSha256: model.specSha256 } }),
    );
    const revokePath = `/v1/models/${model.id}/approvals/${approval.id}/revoke`;

    expect((await api.request('POST', revokePath, { token: seed.partner.ownerSecret })).status).toBe(403);

    const revoked = await api.request('POST', revokePath, { token: seed.hospital.dataOfficerSecret });
    expect(revoked.status).toBe(200);
    expect((await json<{ state: string }>(revoked)).state).toBe('revoked');
    expect((await api.request('POST', revokePath, { token: seed.hospital.dataOfficerSecret })).status).toBe(409);

    const read = await json<ModelBody>(await api.request('GET', `/v1/models/${model.id}`, { token: seed.hospital.dataOfficerSecret }));
    expect(read.approvedForAllDatasets).toBe(false);

    const again = await api.request('POST', `/v1/models/${model.id}/approvals`, { token: seed.hospital.dataOfficerSecret, body: { specSha256: model.specSha256 } });
    expect(again.status).toBe(201);
  });

  it('checks the spec against every linked dataset', async () => {
    const seed = await seedLinked('two-datasets');
    const narrowColumns = GBSG2_COLUMNS.filter((column) => column.name !== 'pnodes');
    const narrow = await json<{ id: string }>(
      await api.request('POST', '/v1/datasets', { token: seed.gateway.credential, body: { name: 'GBSG2 without nodes', columns: narrowColumns, rowCount: 120 } }),
    );
    await api.request('POST', `/v1/projects/${seed.projectId}/dataset-links`, { token: seed.partner.dataScientistSecret, body: { datasetId: narrow.id } });

    const response = await createModel(seed);
    const problem = await json<ProblemBody>(response);

    expect(response.status).toBe(400);
    expect(problem.errors).toHaveLength(1);
    expect(problem.errors?.[0]?.path).toBe('body.spec.features.3.column');
    expect(problem.errors?.[0]?.message).toContain(narrow.id);

    const onFirstOnly = await createModel(seed, COX_SPEC, { datasetLinkIds: [seed.linkId] });
    expect(onFirstOnly.status).toBe(201);
    expect((await json<ModelBody>(onFirstOnly)).datasetIds).toEqual([seed.datasetId]);
  });

  it('rejects a model without dataset links', async () => {
    const seed = await seedCollaboration(api, 'unlinked');

    const response = await createModel(seed);

    expect(response.status).toBe(409);
    expect((await json<ProblemBody>(response)).detail).toContain('request a dataset link first');
  });

  it('rejects dataset links of another project', async () => {
    const seed = await seedLinked('foreign-link');
    const other = await seedLinked('other-project');

    const response = await createModel(seed, COX_SPEC, { datasetLinkIds: [other.linkId] });
    const problem = await json<ProblemBody>(response);

    expect(response.status).toBe(400);
    expect(problem.errors?.map((error) => error.path)).toEqual(['body.datasetLinkIds.0']);
  });

  it('rejects a rejected dataset link', async () => {
    const seed = await seedLinked('rejected-link');
    await api.request('POST', `/v1/dataset-links/${seed.linkId}/reject`, { token: seed.hospital.dataOfficerSecret });

    const response = await createModel(seed, COX_SPEC, { datasetLinkIds: [seed.linkId] });

    expect(response.status).toBe(400);
    expect((await json<ProblemBody>(response)).errors?.[0]?.message).toContain('rejected');
  });

  it('rejects a model in a frozen project', async () => {
    const seed = await seedLinked('frozen');
    const ended = await api.request('POST', `/v1/partnerships/${seed.partnershipId}/end`, { token: seed.partner.ownerSecret });
    expect(ended.status, await ended.clone().text()).toBe(200);

    const response = await createModel(seed);

    expect(response.status).toBe(409);
  });

  it('hides models from organizations outside the project', async () => {
    const seed = await seedLinked('hidden');
    const model = await json<ModelBody>(await createModel(seed));
    const outsider = await api.createOrganization('Hidden outsider');

    expect((await api.request('GET', `/v1/models/${model.id}`, { token: outsider.ownerSecret })).status).toBe(404);
    expect((await api.request('GET', `/v1/projects/${seed.projectId}/models`, { token: outsider.ownerSecret })).status).toBe(404);
    expect((await api.request('PATCH', `/v1/models/${model.id}`, { token: outsider.ownerSecret, body: { name: 'x' } })).status).toBe(404);
  });

  it('lists models a page at a time', async () => {
    const seed = await seedLinked('list');
    const created: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      created.push((await json<ModelBody>(await createModel(seed))).id);
    }

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page: { items: ModelBody[]; nextCursor: string | null } = await json(
        await api.request('GET', `/v1/projects/${seed.projectId}/models${query}`, { token: seed.hospital.dataOfficerSecret }),
      );
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);

    expect([...seen].sort()).toEqual([...created].sort());
    expect(seen).toHaveLength(3);
  });

  it('records model events in both audit chains', async () => {
    const seed = await seedLinked('audit');
    const model = await json<ModelBody>(await createModel(seed));
    await api.request('POST', `/v1/models/${model.id}/approvals`, { token: seed.hospital.dataOfficerSecret, body: { specSha256: model.specSha256 } });

    for (const token of [seed.hospital.ownerSecret, seed.partner.ownerSecret]) {
      const events = await json<{ items: Array<{ action: string }> }>(await api.request('GET', '/v1/audit-events?limit=200', { token }));
      const actions = events.items.map((event) => event.action);
      expect(actions).toContain('model.created');
      expect(actions).toContain('model_approval.approved');

      const verify = await json<{ valid: boolean }>(await api.request('POST', '/v1/audit-events/verify', { token }));
      expect(verify.valid).toBe(true);
    }
  });
});

describe.each(databaseTargets())('model bad input on %s', (target) => {
  let api: TestApi;
  let seed: Collaboration;
  let model: ModelBody;

  beforeAll(async () => {
    api = await startTestApi(target);
    seed = await seedCollaboration(api, 'bad-input');
    await api.request('POST', `/v1/projects/${seed.projectId}/dataset-links`, { token: seed.partner.dataScientistSecret, body: { datasetId: seed.datasetId } });
    const created = await api.request('POST', `/v1/projects/${seed.projectId}/models`, {
      token: seed.partner.dataScientistSecret,
      body: { name: 'Bad input model', spec: COX_SPEC },
    });
    model = await json<ModelBody>(created);
    if (created.status !== 201) throw new Error(`seeding a model failed: ${JSON.stringify(model)}`);
  });

  afterAll(async () => {
    await api.close();
  });

  const withFeatures = (...features: object[]) => ({ ...COX_SPEC, features });

  it.each([
    ['a spec column missing from the dataset', withFeatures({ column: 'ki67', encoding: 'numeric' }), 'body.spec.features.0.column'],
    ['a numeric feature on a categorical column', withFeatures({ column: 'menostat', encoding: 'numeric' }), 'body.spec.features.0.column'],
    ['a categorical feature on an integer column', withFeatures({ column: 'pnodes', encoding: 'categorical', levels: ['0', '1'], reference: '0' }), 'body.spec.features.0.column'],
    ['a level the column lacks', withFeatures({ column: 'horTh', encoding: 'categorical', levels: ['no', 'yes', 'unknown'], reference: 'no' }), 'body.spec.features.0.levels'],
    ['a categorical survival time', { ...COX_SPEC, outcome: { kind: 'survival', time: 'menostat', event: 'cens' } }, 'body.spec.outcome.time'],
    ['an unknown family', { ...COX_SPEC, family: 'random_forest' }, 'body.spec.family'],
    ['a reference outside the levels', withFeatures({ column: 'horTh', encoding: 'categorical', levels: ['no', 'yes'], reference: 'maybe' }), 'body.spec.features.0.reference'],
    ['an unknown spec field', { ...COX_SPEC, code: 'import os' }, 'body.spec.code'],
    ['no features for a Cox model', withFeatures(), 'body.spec.features'],
  ])('rejects a model with %s', async (_case, spec, path) => {
    const response = await api.request('POST', `/v1/projects/${seed.projectId}/models`, { token: seed.partner.dataScientistSecret, body: { name: 'Bad', spec } });
    const problem = await json<ProblemBody & { code: string }>(response);

    expect(response.status, JSON.stringify(problem)).toBe(400);
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors?.map((error) => error.path)).toContain(path);
  });

  /** Case name, method, path, body, expected status and the error path the problem must name. */
  type RequestCase = [string, string, () => string, () => unknown, number, string | undefined];

  it.each<RequestCase>([
    ['a malformed dataset link id', 'POST', () => `/v1/projects/${seed.projectId}/models`, () => ({ name: 'Bad', spec: COX_SPEC, datasetLinkIds: ['dsl_x'] }), 400, 'body.datasetLinkIds.0'],
    ['an empty dataset link list', 'POST', () => `/v1/projects/${seed.projectId}/models`, () => ({ name: 'Bad', spec: COX_SPEC, datasetLinkIds: [] }), 400, 'body.datasetLinkIds'],
    ['an empty update', 'PATCH', () => `/v1/models/${model.id}`, () => ({}), 400, 'body'],
    ['a spec update with a missing column', 'PATCH', () => `/v1/models/${model.id}`, () => ({ spec: withFeatures({ column: 'ki67', encoding: 'numeric' }) }), 400, 'body.spec.features.0.column'],
    ['an approval without a SHA-256', 'POST', () => `/v1/models/${model.id}/approvals`, () => ({}), 400, 'body.specSha256'],
    ['an approval with an upper-case SHA-256', 'POST', () => `/v1/models/${model.id}/approvals`, () => ({ specSha256: model.specSha256.toUpperCase() }), 400, 'body.specSha256'],
    ['an approval with a stale SHA-256', 'POST', () => `/v1/models/${model.id}/approvals`, () => ({ specSha256: '0'.repeat(64) }), 409, undefined],
    ['a malformed model id', 'GET', () => '/v1/models/mdl_short', () => undefined, 400, 'param.modelId'],
    ['a forged version cursor', 'GET', () => `/v1/models/${model.id}/versions?cursor=${Buffer.from('["x","y"]').toString('base64url')}`, () => undefined, 400, 'query.cursor'],
    ['a forged model cursor', 'GET', () => `/v1/projects/${seed.projectId}/models?cursor=${Buffer.from('["x","y"]').toString('base64url')}`, () => undefined, 400, 'query.cursor'],
  ])('rejects %s', async (_case, method, path, body, status, errorPath) => {
    const token = path().includes('/approvals') ? seed.hospital.dataOfficerSecret : seed.partner.dataScientistSecret;
    const requestBody = body();
    const response = await api.request(method, path(), { token, ...(requestBody === undefined ? {} : { body: requestBody }) });
    const problem = await json<ProblemBody>(response);

    expect(response.status, JSON.stringify(problem)).toBe(status);
    if (errorPath) expect(problem.errors?.map((error) => error.path)).toContain(errorPath);
  });
});
