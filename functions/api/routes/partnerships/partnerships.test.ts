import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../../../test/support/database.js';
import { startTestApi, type TestApi } from '../../../../test/support/api-harness.js';

interface PartnershipBody {
  id: string;
  state: string;
  proposerOrganizationId: string;
  members: Array<{ organizationId: string; organizationName: string; state: string; respondedAt: string | null }>;
  endedAt: string | null;
}

interface Organization {
  id: string;
  ownerSecret: string;
}

const FUTURE_DATE = '2099-12-31';

describe.each(databaseTargets())('partnerships on %s', (target) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi(target);
  });

  afterAll(async () => {
    await api.close();
  });

  async function propose(proposer: Organization, invited: Organization[], purpose = 'Relapse risk study') {
    const response = await api.request('POST', '/v1/partnerships', {
      token: proposer.ownerSecret,
      body: { purpose, endsOn: FUTURE_DATE, invitedOrganizationIds: invited.map((organization) => organization.id) },
    });
    const body = (await response.json()) as PartnershipBody;
    expect(response.status, JSON.stringify(body)).toBe(201);
    return body;
  }

  async function answer(organization: Organization, partnershipId: string, verb: 'accept' | 'decline' | 'end') {
    const response = await api.request('POST', `/v1/partnerships/${partnershipId}/${verb}`, { token: organization.ownerSecret });
    return { status: response.status, body: (await response.json()) as PartnershipBody & { code?: string; detail?: string } };
  }

  async function auditActions(organization: Organization): Promise<string[]> {
    const response = await api.request('GET', '/v1/audit-events?limit=200', { token: organization.ownerSecret });
    const page = (await response.json()) as { items: Array<{ action: string }> };
    return page.items.map((event) => event.action);
  }

  it('activates once every invited organization accepts', async () => {
    const partner = await api.createOrganization('Partner lab', 'research_lab');
    const hospitalA = await api.createOrganization('Hospital A');
    const hospitalB = await api.createOrganization('Hospital B');

    const proposed = await propose(partner, [hospitalA, hospitalB]);
    expect(proposed.state).toBe('proposed');
    expect(proposed.proposerOrganizationId).toBe(partner.id);
    expect(proposed.members.map((member) => member.state)).toEqual(['proposer', 'invited', 'invited']);
    expect(proposed.members.map((member) => member.organizationName)).toContain('Hospital A');

    const first = await answer(hospitalA, proposed.id, 'accept');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.state).toBe('proposed');

    const second = await answer(hospitalB, proposed.id, 'accept');
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.state).toBe('active');
    expect(second.body.members.every((member) => member.respondedAt !== null)).toBe(true);
  });

  it('activates once when invitees accept concurrently', async () => {
    const partner = await api.createOrganization('Concurrent partner', 'company');
    const hospitals = await Promise.all([1, 2, 3].map((index) => api.createOrganization(`Concurrent hospital ${index}`)));
    const proposed = await propose(partner, hospitals);

    const answers = await Promise.all(hospitals.map((hospital) => answer(hospital, proposed.id, 'accept')));
    expect(answers.map((result) => result.status)).toEqual([200, 200, 200]);

    const read = await api.request('GET', `/v1/partnerships/${proposed.id}`, { token: partner.ownerSecret });
    expect(((await read.json()) as PartnershipBody).state).toBe('active');
    const actions = await auditActions(partner);
    expect(actions.filter((action) => action === 'partnership.accepted')).toHaveLength(3);
    expect(actions.filter((action) => action === 'partnership.activated')).toHaveLength(1);
    const verify = await api.request('POST', '/v1/audit-events/verify', { token: partner.ownerSecret });
    expect(((await verify.json()) as { valid: boolean }).valid).toBe(true);
  });

  it('replays a proposal sent twice with one idempotency key', async () => {
    const partner = await api.createOrganization('Retrying partner', 'company');
    const hospital = await api.createOrganization('Retried hospital');
    const request = {
      token: partner.ownerSecret,
      headers: { 'idempotency-key': 'propose-relapse-study' },
      body: { purpose: 'Retried study', endsOn: FUTURE_DATE, invitedOrganizationIds: [hospital.id] },
    };

    const first = await api.request('POST', '/v1/partnerships', request);
    const again = await api.request('POST', '/v1/partnerships', request);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(await first.json());

    const list = await api.request('GET', '/v1/partnerships', { token: partner.ownerSecret });
    expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(1);
  });

  it('records every transition in each member chain', async () => {
    const partner = await api.createOrganization('Audited partner', 'company');
    const hospital = await api.createOrganization('Audited hospital');
    const proposed = await propose(partner, [hospital]);
    await answer(hospital, proposed.id, 'accept');
    await answer(partner, proposed.id, 'end');

    const expected = ['partnership.proposed', 'partnership.accepted', 'partnership.activated', 'partnership.ended'];
    expect((await auditActions(partner)).slice(2)).toEqual(expected);
    expect((await auditActions(hospital)).slice(2)).toEqual(expected);

    for (const organization of [partner, hospital]) {
      const verify = await api.request('POST', '/v1/audit-events/verify', { token: organization.ownerSecret });
      expect(await verify.json()).toEqual({ valid: true, eventsChecked: 6 });
    }
  });

  it('declines the whole partnership on one decline', async () => {
    const partner = await api.createOrganization('Declined partner', 'company');
    const hospitalA = await api.createOrganization('Declining hospital');
    const hospitalB = await api.createOrganization('Willing hospital');
    const proposed = await propose(partner, [hospitalA, hospitalB]);

    const declined = await answer(hospitalA, proposed.id, 'decline');
    expect(declined.status, JSON.stringify(declined.body)).toBe(200);
    expect(declined.body.state).toBe('declined');

    const late = await answer(hospitalB, proposed.id, 'accept');
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('invalid_state');
    expect(late.body.detail).toContain('declined');
  });

  it.each([
    ['the proposer accepts', 'proposer', 'accept', 'proposed'],
    ['an invitee accepts twice', 'invitee-twice', 'accept', 'already responded'],
    ['a member ends a declined partnership', 'declined-end', 'end', 'declined'],
  ] as const)('rejects a transition when %s', async (_case, scenario, verb, detailFragment) => {
    const partner = await api.createOrganization(`Partner ${scenario}`, 'company');
    const hospital = await api.createOrganization(`Hospital ${scenario}`);
    const hospitalB = await api.createOrganization(`Second hospital ${scenario}`);
    const proposed = await propose(partner, [hospital, hospitalB]);

    let actor = partner;
    if (scenario === 'invitee-twice') {
      await answer(hospital, proposed.id, 'accept');
      actor = hospital;
    }
    if (scenario === 'declined-end') {
      await answer(hospital, proposed.id, 'decline');
      actor = hospitalB;
    }

    const { status, body } = await answer(actor, proposed.id, verb);
    expect(status, JSON.stringify(body)).toBe(409);
    expect(body.code).toBe('invalid_state');
    expect(body.detail).toContain(detailFragment);
  });

  it('hides a partnership from non-members exactly like a missing one', async () => {
    const partner = await api.createOrganization('Visible partner', 'company');
    const hospital = await api.createOrganization('Visible hospital');
    const outsider = await api.createOrganization('Outsider');
    const proposed = await propose(partner, [hospital], 'Confidential purpose text');

    const missingId = `ptn_${'a'.repeat(32)}`;
    for (const path of ['', '/accept', '/decline', '/end']) {
      const method = path === '' ? 'GET' : 'POST';
      const hidden = await api.request(method, `/v1/partnerships/${proposed.id}${path}`, { token: outsider.ownerSecret });
      const missing = await api.request(method, `/v1/partnerships/${missingId}${path}`, { token: outsider.ownerSecret });
      const hiddenBody = (await hidden.json()) as Record<string, unknown>;
      const missingBody = (await missing.json()) as Record<string, unknown>;

      expect(hidden.status).toBe(404);
      expect(JSON.stringify(hiddenBody)).not.toContain('Confidential');
      expect({ ...hiddenBody, requestId: '', detail: String(hiddenBody.detail).replace(proposed.id, 'ID') }).toEqual({
        ...missingBody,
        requestId: '',
        detail: String(missingBody.detail).replace(missingId, 'ID'),
      });
    }

    const list = await api.request('GET', '/v1/partnerships', { token: outsider.ownerSecret });
    expect(await list.json()).toEqual({ items: [], nextCursor: null });
  });

  it('lists own partnerships by page and by state', async () => {
    const partner = await api.createOrganization('Listing partner', 'company');
    const hospitals = await Promise.all([1, 2, 3].map((index) => api.createOrganization(`Listed hospital ${index}`)));
    const created = [];
    for (const hospital of hospitals) created.push(await propose(partner, [hospital]));
    await answer(hospitals[0]!, created[0]!.id, 'accept');

    const first = await api.request('GET', '/v1/partnerships?limit=2', { token: partner.ownerSecret });
    const firstPage = (await first.json()) as { items: PartnershipBody[]; nextCursor: string | null };
    expect(firstPage.items.map((item) => item.id)).toEqual([created[2]!.id, created[1]!.id]);
    expect(firstPage.nextCursor).not.toBeNull();

    const second = await api.request('GET', `/v1/partnerships?limit=2&cursor=${firstPage.nextCursor}`, { token: partner.ownerSecret });
    const secondPage = (await second.json()) as { items: PartnershipBody[]; nextCursor: string | null };
    expect(secondPage.items.map((item) => item.id)).toEqual([created[0]!.id]);
    expect(secondPage.nextCursor).toBeNull();

    const active = await api.request('GET', '/v1/partnerships?state=active', { token: partner.ownerSecret });
    const activePage = (await active.json()) as { items: PartnershipBody[] };
    expect(activePage.items.map((item) => item.id)).toEqual([created[0]!.id]);

    const invited = await api.request('GET', '/v1/partnerships', { token: hospitals[1]!.ownerSecret });
    const invitedPage = (await invited.json()) as { items: PartnershipBody[] };
    expect(invitedPage.items.map((item) => item.id)).toEqual([created[1]!.id]);
  });

  it.each([
    ['an end date of today', { endsOn: 'TODAY' }, 'body.endsOn', 400],
    ['an end date in the past', { endsOn: '2020-01-01' }, 'body.endsOn', 400],
    ['an impossible date', { endsOn: '2099-02-30' }, 'body.endsOn', 400],
    ['its own organization invited', { invitedOrganizationIds: ['SELF'] }, 'body.invitedOrganizationIds.0', 400],
    ['an organization invited twice', { invitedOrganizationIds: ['OTHER', 'OTHER'] }, 'body.invitedOrganizationIds.1', 400],
    ['no invited organization', { invitedOrganizationIds: [] }, 'body.invitedOrganizationIds', 400],
    ['an unknown organization', { invitedOrganizationIds: [`org_${'b'.repeat(32)}`] }, 'body.invitedOrganizationIds.0', 422],
    ['a blank purpose', { purpose: '   ' }, 'body.purpose', 400],
  ])('rejects a proposal with %s', async (_case, override, path, status) => {
    const proposer = await api.createOrganization('Invalid proposer', 'company');
    const other = await api.createOrganization('Invalid invitee');
    const body: Record<string, unknown> = { purpose: 'Study', endsOn: FUTURE_DATE, invitedOrganizationIds: [other.id], ...override };
    if (body.endsOn === 'TODAY') body.endsOn = new Date().toISOString().slice(0, 10);
    const placeholders: Record<string, string> = { SELF: proposer.id, OTHER: other.id };
    body.invitedOrganizationIds = (body.invitedOrganizationIds as string[]).map((id) => placeholders[id] ?? id);

    const response = await api.request('POST', '/v1/partnerships', { token: proposer.ownerSecret, body });
    const problem = (await response.json()) as { errors?: Array<{ path: string }> };
    expect(response.status, JSON.stringify(problem)).toBe(status);
    expect(problem.errors?.map((error) => error.path)).toContain(path);

    const list = await api.request('GET', '/v1/partnerships', { token: proposer.ownerSecret });
    expect(await list.json()).toEqual({ items: [], nextCursor: null });
  });
});
