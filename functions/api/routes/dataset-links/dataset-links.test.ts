import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../../../test/support/database.js';
import { startTestApi, type TestApi } from '../../../../test/support/api-harness.js';
import { seedCollaboration } from '../../../../test/support/seed-collaboration.js';

describe.each(databaseTargets())('dataset links on %s', (target) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi(target);
  });

  afterAll(async () => {
    await api.close();
  });

  it('lets the partner request and only the hospital data officer approve', async () => {
    const seed = await seedCollaboration(api, 'links');

    const requested = await api.request('POST', `/v1/projects/${seed.projectId}/dataset-links`, {
      token: seed.partner.dataScientistSecret,
      body: { datasetId: seed.datasetId },
    });
    const link = (await requested.json()) as { id: string; state: string };
    expect(requested.status, JSON.stringify(link)).toBe(201);
    expect(link.state).toBe('requested');

    const byPartner = await api.request('POST', `/v1/dataset-links/${link.id}/approve`, { token: seed.partner.ownerSecret });
    expect(byPartner.status).toBe(403);

    const approved = await api.request('POST', `/v1/dataset-links/${link.id}/approve`, { token: seed.hospital.dataOfficerSecret });
    expect(approved.status).toBe(200);

    const seenByPartner = await api.request('GET', `/v1/dataset-links/${link.id}`, { token: seed.partner.dataScientistSecret });
    expect(((await seenByPartner.json()) as { state: string }).state).toBe('approved');

    const again = await api.request('POST', `/v1/dataset-links/${link.id}/approve`, { token: seed.hospital.dataOfficerSecret });
    expect(again.status).toBe(409);

    const revoked = await api.request('POST', `/v1/dataset-links/${link.id}/revoke`, { token: seed.hospital.dataOfficerSecret });
    expect(((await revoked.json()) as { state: string }).state).toBe('revoked');

    for (const token of [seed.hospital.ownerSecret, seed.partner.ownerSecret]) {
      const verify = await api.request('POST', '/v1/audit-events/verify', { token });
      expect(((await verify.json()) as { valid: boolean }).valid).toBe(true);
    }
  });

  it('hides links from organizations outside the project', async () => {
    const seed = await seedCollaboration(api, 'hidden');
    const requested = await api.request('POST', `/v1/projects/${seed.projectId}/dataset-links`, {
      token: seed.partner.dataScientistSecret,
      body: { datasetId: seed.datasetId },
    });
    const link = (await requested.json()) as { id: string };
    const outsider = await api.createOrganization('Outsider hospital');

    expect((await api.request('GET', `/v1/dataset-links/${link.id}`, { token: outsider.ownerSecret })).status).toBe(404);
    expect((await api.request('POST', `/v1/dataset-links/${link.id}/approve`, { token: outsider.ownerSecret })).status).toBe(404);
  });

  it('rejects a second request for the same dataset', async () => {
    const seed = await seedCollaboration(api, 'twice');
    const body = { datasetId: seed.datasetId };
    expect((await api.request('POST', `/v1/projects/${seed.projectId}/dataset-links`, { token: seed.partner.dataScientistSecret, body })).status).toBe(201);
    const second = await api.request('POST', `/v1/projects/${seed.projectId}/dataset-links`, { token: seed.partner.dataScientistSecret, body });
    expect(second.status).toBe(409);
  });

  it('reopens a revoked link as a new request', async () => {
    const seed = await seedCollaboration(api, 'reopen');
    const body = { datasetId: seed.datasetId };
    const created = await api.request('POST', `/v1/projects/${seed.projectId}/dataset-links`, { token: seed.partner.dataScientistSecret, body });
    const link = (await created.json()) as { id: string };
    await api.request('POST', `/v1/dataset-links/${link.id}/approve`, { token: seed.hospital.dataOfficerSecret });
    await api.request('POST', `/v1/dataset-links/${link.id}/revoke`, { token: seed.hospital.dataOfficerSecret });

    const again = await api.request('POST', `/v1/projects/${seed.projectId}/dataset-links`, { token: seed.partner.dataScientistSecret, body });
    const reopened = (await again.json()) as { id: string; state: string };

    expect(again.status, JSON.stringify(reopened)).toBe(201);
    expect(reopened).toMatchObject({ id: link.id, state: 'requested' });
    const approved = await api.request('POST', `/v1/dataset-links/${link.id}/approve`, { token: seed.hospital.dataOfficerSecret });
    expect(((await approved.json()) as { state: string }).state).toBe('approved');
    const verify = await api.request('POST', '/v1/audit-events/verify', { token: seed.hospital.ownerSecret });
    expect(((await verify.json()) as { valid: boolean }).valid).toBe(true);
  });
});
