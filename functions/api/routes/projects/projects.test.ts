import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../../../test/support/database.js';
import { startTestApi, type TestApi } from '../../../../test/support/api-harness.js';

interface ProjectBody {
  id: string;
  partnershipId: string;
  organizationId: string;
  name: string;
  description: string;
  state: string;
}

interface Problem {
  code: string;
  detail: string;
  errors?: Array<{ path: string }>;
}

describe.each(databaseTargets())('projects on %s', (target) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi(target);
  });

  afterAll(async () => {
    await api.close();
  });

  /** Seeds a partner and a hospital; the partnership is active unless `accept` is false. */
  async function seedPartnership(label: string, options: { accept?: boolean } = {}) {
    const partner = await api.createOrganization(`${label} partner`, 'company');
    const hospital = await api.createOrganization(`${label} hospital`);
    const proposed = await api.request('POST', '/v1/partnerships', {
      token: partner.ownerSecret,
      body: { purpose: `${label} study`, endsOn: '2099-01-01', invitedOrganizationIds: [hospital.id] },
    });
    const { id: partnershipId } = (await proposed.json()) as { id: string };
    if (options.accept !== false) {
      const accepted = await api.request('POST', `/v1/partnerships/${partnershipId}/accept`, { token: hospital.ownerSecret });
      expect(accepted.status).toBe(200);
    }
    return { partner, hospital, partnershipId };
  }

  async function createProject(token: string, partnershipId: string, name = 'Relapse risk') {
    const response = await api.request('POST', `/v1/partnerships/${partnershipId}/projects`, { token, body: { name, description: 'Cox model' } });
    return { status: response.status, body: (await response.json()) as ProjectBody & Problem };
  }

  it('creates a project every member can read', async () => {
    const { partner, hospital, partnershipId } = await seedPartnership('Readable');
    const scientist = await api.createApiKey(partner.ownerSecret, 'data_scientist');

    const created = await createProject(scientist.secret, partnershipId);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ partnershipId, organizationId: partner.id, name: 'Relapse risk', state: 'active' });

    const viewer = await api.createApiKey(hospital.ownerSecret, 'viewer');
    const read = await api.request('GET', `/v1/projects/${created.body.id}`, { token: viewer.secret });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(created.body);
  });

  it('records the creation in both member chains', async () => {
    const { partner, hospital, partnershipId } = await seedPartnership('Audited');
    const created = await createProject(partner.ownerSecret, partnershipId);

    for (const organization of [partner, hospital]) {
      const response = await api.request('GET', '/v1/audit-events?limit=200', { token: organization.ownerSecret });
      const page = (await response.json()) as { items: Array<{ action: string; targetId: string }> };
      expect(page.items.at(-1)).toMatchObject({ action: 'project.created', targetId: created.body.id });
    }
  });

  it('rejects a project in a partnership that is not active', async () => {
    const { partner, partnershipId } = await seedPartnership('Pending', { accept: false });

    const created = await createProject(partner.ownerSecret, partnershipId);
    expect(created.status, JSON.stringify(created.body)).toBe(409);
    expect(created.body.code).toBe('invalid_state');
    expect(created.body.detail).toContain('proposed');
  });

  it('freezes projects when the partnership ends', async () => {
    const { partner, hospital, partnershipId } = await seedPartnership('Frozen');
    const created = await createProject(partner.ownerSecret, partnershipId);

    const ended = await api.request('POST', `/v1/partnerships/${partnershipId}/end`, { token: hospital.ownerSecret });
    expect(ended.status).toBe(200);

    const read = await api.request('GET', `/v1/projects/${created.body.id}`, { token: partner.ownerSecret });
    expect(((await read.json()) as ProjectBody).state).toBe('frozen');

    const update = await api.request('PATCH', `/v1/projects/${created.body.id}`, { token: partner.ownerSecret, body: { name: 'Renamed' } });
    const problem = (await update.json()) as Problem;
    expect(update.status, JSON.stringify(problem)).toBe(409);
    expect(problem.code).toBe('invalid_state');
    expect(problem.detail).toContain('frozen');

    const another = await createProject(partner.ownerSecret, partnershipId);
    expect(another.status).toBe(409);
  });

  it('updates name and description of an active project', async () => {
    const { partner, hospital, partnershipId } = await seedPartnership('Editable');
    const created = await createProject(partner.ownerSecret, partnershipId);
    const hospitalScientist = await api.createApiKey(hospital.ownerSecret, 'data_scientist');

    const renamed = await api.request('PATCH', `/v1/projects/${created.body.id}`, { token: hospitalScientist.secret, body: { name: 'Relapse risk v2' } });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ name: 'Relapse risk v2', description: 'Cox model' });

    const described = await api.request('PATCH', `/v1/projects/${created.body.id}`, { token: partner.ownerSecret, body: { description: 'Stratified by site' } });
    expect(await described.json()).toMatchObject({ name: 'Relapse risk v2', description: 'Stratified by site' });
  });

  it.each([
    ['an empty change', {}, 'body'],
    ['a blank name', { name: '  ' }, 'body.name'],
    ['a name with a line break', { name: 'a\nb' }, 'body.name'],
    ['an unknown field', { state: 'active' }, 'body.state'],
  ])('rejects an update with %s', async (_case, body, path) => {
    const { partner, partnershipId } = await seedPartnership('Invalid update');
    const created = await createProject(partner.ownerSecret, partnershipId);

    const response = await api.request('PATCH', `/v1/projects/${created.body.id}`, { token: partner.ownerSecret, body });
    const problem = (await response.json()) as Problem;
    expect(response.status, JSON.stringify(problem)).toBe(400);
    expect(problem.errors?.map((error) => error.path)).toContain(path);
  });

  it('hides projects from non-members exactly like missing ones', async () => {
    const { partner, partnershipId } = await seedPartnership('Hidden');
    const created = await createProject(partner.ownerSecret, partnershipId, 'Confidential project name');
    const outsider = await api.createOrganization('Project outsider');

    const hidden = await api.request('GET', `/v1/projects/${created.body.id}`, { token: outsider.ownerSecret });
    const hiddenText = await hidden.text();
    expect(hidden.status).toBe(404);
    expect(hiddenText).not.toContain('Confidential');

    const update = await api.request('PATCH', `/v1/projects/${created.body.id}`, { token: outsider.ownerSecret, body: { name: 'Taken' } });
    expect(update.status).toBe(404);

    const inPartnership = await api.request('GET', `/v1/projects?partnershipId=${partnershipId}`, { token: outsider.ownerSecret });
    expect(inPartnership.status).toBe(404);

    const all = await api.request('GET', '/v1/projects', { token: outsider.ownerSecret });
    expect(await all.json()).toEqual({ items: [], nextCursor: null });
  });

  it('lists projects across partnerships and per partnership', async () => {
    const first = await seedPartnership('Listing one');
    const hospital = first.hospital;
    const second = await api.request('POST', '/v1/partnerships', {
      token: hospital.ownerSecret,
      body: { purpose: 'Second study', endsOn: '2099-01-01', invitedOrganizationIds: [first.partner.id] },
    });
    const secondId = ((await second.json()) as { id: string }).id;
    await api.request('POST', `/v1/partnerships/${secondId}/accept`, { token: first.partner.ownerSecret });

    const a = await createProject(hospital.ownerSecret, first.partnershipId, 'A');
    const b = await createProject(hospital.ownerSecret, secondId, 'B');
    const c = await createProject(first.partner.ownerSecret, secondId, 'C');

    const page1 = await api.request('GET', '/v1/projects?limit=2', { token: hospital.ownerSecret });
    const body1 = (await page1.json()) as { items: ProjectBody[]; nextCursor: string | null };
    expect(body1.items.map((project) => project.name)).toEqual(['C', 'B']);

    const page2 = await api.request('GET', `/v1/projects?limit=2&cursor=${body1.nextCursor}`, { token: hospital.ownerSecret });
    const body2 = (await page2.json()) as { items: ProjectBody[]; nextCursor: string | null };
    expect(body2.items.map((project) => project.id)).toEqual([a.body.id]);
    expect(body2.nextCursor).toBeNull();

    const perPartnership = await api.request('GET', `/v1/projects?partnershipId=${secondId}`, { token: hospital.ownerSecret });
    const body3 = (await perPartnership.json()) as { items: ProjectBody[] };
    expect(body3.items.map((project) => project.id)).toEqual([c.body.id, b.body.id]);
  });

  it('rejects a viewer creating a project', async () => {
    const { hospital, partnershipId } = await seedPartnership('Viewer');
    const viewer = await api.createApiKey(hospital.ownerSecret, 'viewer');

    const created = await createProject(viewer.secret, partnershipId);
    expect(created.status).toBe(403);
    expect(created.body.code).toBe('forbidden');
  });
});
