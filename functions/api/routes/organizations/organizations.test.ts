import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../../../test/support/database.js';
import { startTestApi, type TestApi } from '../../../../test/support/api-harness.js';

describe.each(databaseTargets())('organizations and API keys on %s', (target) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi(target);
  });

  afterAll(async () => {
    await api.close();
  });

  it('creates an organization with an owner key that reads it back', async () => {
    const organization = await api.createOrganization('Centre Léon Bérard', 'hospital');

    const response = await api.request('GET', '/v1/organization', { token: organization.ownerSecret });
    const body = await response.json();

    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ id: organization.id, name: 'Centre Léon Bérard', kind: 'hospital' });
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('renames the organization and records it in the audit chain', async () => {
    const organization = await api.createOrganization('Old name');

    const renamed = await api.request('PATCH', '/v1/organization', { token: organization.ownerSecret, body: { name: 'New name' } });
    expect(renamed.status).toBe(200);

    const events = await api.request('GET', '/v1/audit-events', { token: organization.ownerSecret });
    const page = (await events.json()) as { items: Array<{ action: string; sequence: number }> };
    expect(page.items.map((event) => event.action)).toEqual(['organization.created', 'api_key.created', 'organization.renamed']);

    const verify = await api.request('POST', '/v1/audit-events/verify', { token: organization.ownerSecret });
    expect(await verify.json()).toEqual({ valid: true, eventsChecked: 3 });
  });

  it('lists keys without secrets and stops a revoked key at once', async () => {
    const organization = await api.createOrganization('Key owner');
    const viewer = await api.createApiKey(organization.ownerSecret, 'viewer');

    const list = await api.request('GET', '/v1/api-keys?limit=1', { token: organization.ownerSecret });
    const firstPage = (await list.json()) as { items: Array<Record<string, unknown>>; nextCursor: string | null };
    expect(firstPage.items).toHaveLength(1);
    expect(JSON.stringify(firstPage)).not.toContain(viewer.secret);
    expect(firstPage.items[0]).not.toHaveProperty('secretHash');
    expect(firstPage.nextCursor).not.toBeNull();

    const second = await api.request('GET', `/v1/api-keys?limit=1&cursor=${firstPage.nextCursor}`, { token: organization.ownerSecret });
    const secondPage = (await second.json()) as { items: Array<{ id: string }>; nextCursor: string | null };
    expect(secondPage.items).toHaveLength(1);
    expect(secondPage.nextCursor).toBeNull();

    expect((await api.request('GET', '/v1/organization', { token: viewer.secret })).status).toBe(200);
    const revoke = await api.request('POST', `/v1/api-keys/${viewer.id}/revoke`, { token: organization.ownerSecret });
    expect(revoke.status).toBe(200);
    const after = await api.request('GET', '/v1/organization', { token: viewer.secret });
    expect(after.status).toBe(401);
    expect(after.headers.get('content-type')).toContain('application/problem+json');
  });

  it('replays a create with the same idempotency key and rejects another body', async () => {
    const organization = await api.createOrganization('Idempotent');
    const headers = { 'idempotency-key': 'create-scientist-1' };

    const first = await api.request('POST', '/v1/api-keys', { token: organization.ownerSecret, headers, body: { name: 'ds', role: 'data_scientist' } });
    const again = await api.request('POST', '/v1/api-keys', { token: organization.ownerSecret, headers, body: { name: 'ds', role: 'data_scientist' } });
    const other = await api.request('POST', '/v1/api-keys', { token: organization.ownerSecret, headers, body: { name: 'ds2', role: 'viewer' } });

    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(await first.json());
    expect(other.status).toBe(422);
    expect(((await other.json()) as { code: string }).code).toBe('idempotency_key_reused');
  });

  it('names a missing field as missing', async () => {
    const organization = await api.createOrganization('Missing fields');

    const response = await api.request('POST', '/v1/api-keys', { token: organization.ownerSecret, body: { role: 'viewer' } });
    const problem = (await response.json()) as { errors: Array<{ path: string; message: string }> };

    expect(response.status).toBe(400);
    expect(problem.errors).toContainEqual({ path: 'body.name', message: 'missing; this field is required (string)' });
  });

  it.each([
    ['DELETE', '/v1/api-keys', 'GET, POST'],
    ['GET', `/v1/api-keys/key_${'a'.repeat(32)}/revoke`, 'POST'],
  ])('answers %s %s with 405 and Allow', async (method, path, allow) => {
    const organization = await api.createOrganization('Methods');

    const response = await api.request(method, path, { token: organization.ownerSecret });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
    expect(((await response.json()) as { code: string }).code).toBe('method_not_allowed');
  });

  it('answers an unknown path with 404', async () => {
    const response = await api.request('GET', '/v1/nothing-here');
    expect(response.status).toBe(404);
  });
});
