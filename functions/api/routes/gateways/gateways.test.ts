import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../../../test/support/database.js';
import { startTestApi, type TestApi } from '../../../../test/support/api-harness.js';

function newGatewayPublicKey(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  return publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
}

describe.each(databaseTargets())('gateway enrolment on %s', (target) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi(target);
  });

  afterAll(async () => {
    await api.close();
  });

  async function createGateway(ownerSecret: string, body: Record<string, unknown> = { name: 'Site gateway' }) {
    const response = await api.request('POST', '/v1/gateways', { token: ownerSecret, body });
    const created = (await response.json()) as { gateway: { id: string; state: string }; enrolment: { token: string } };
    expect(response.status, JSON.stringify(created)).toBe(201);
    return created;
  }

  it('enrols with a one-time token and then authenticates with its credential', async () => {
    const hospital = await api.createOrganization('Hospital A');
    const created = await createGateway(hospital.ownerSecret);
    expect(created.gateway.state).toBe('pending_enrolment');

    const enrol = await api.request('POST', '/v1/gateways/enroll', {
      body: { token: created.enrolment.token, publicKey: newGatewayPublicKey(), version: '0.1.0', capabilities: { computations: ['cox_newton'] } },
    });
    const enrolled = (await enrol.json()) as { gateway: { state: string }; credential: string };
    expect(enrol.status, JSON.stringify(enrolled)).toBe(200);
    expect(enrolled.gateway.state).toBe('active');
    expect(enrolled.credential).toMatch(/^ongw_/);

    const heartbeat = await api.request('POST', '/v1/gateway/heartbeat', { token: enrolled.credential, body: { version: '0.1.1' } });
    const beat = (await heartbeat.json()) as { gateway: { version: string; lastSeenAt: string } };
    expect(heartbeat.status, JSON.stringify(beat)).toBe(200);
    expect(beat.gateway.version).toBe('0.1.1');

    const asUser = await api.request('GET', '/v1/organization', { token: enrolled.credential });
    expect(asUser.status).toBe(403);
  });

  it('rejects a used token and an expired token with 410', async () => {
    const hospital = await api.createOrganization('Hospital B');
    const created = await createGateway(hospital.ownerSecret);
    const body = { token: created.enrolment.token, publicKey: newGatewayPublicKey(), version: '0.1.0' };

    expect((await api.request('POST', '/v1/gateways/enroll', { body })).status).toBe(200);
    const reused = await api.request('POST', '/v1/gateways/enroll', { body });
    expect(reused.status).toBe(410);
    expect(((await reused.json()) as { detail: string }).detail).toContain('already used');

    const short = await createGateway(hospital.ownerSecret, { name: 'Short-lived', enrolmentTtlMinutes: 5 });
    api.runtime.deps.now = () => new Date(Date.now() + 6 * 60_000);
    try {
      const expired = await api.request('POST', '/v1/gateways/enroll', {
        body: { token: short.enrolment.token, publicKey: newGatewayPublicKey(), version: '0.1.0' },
      });
      expect(expired.status).toBe(410);
      expect(((await expired.json()) as { detail: string }).detail).toContain('expired');
    } finally {
      delete api.runtime.deps.now;
    }
  });

  it.each([
    ['not base64 DER', 'this is not a key at all, not even close to one'],
    ['an RSA key', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64')],
  ])('rejects a public key that is %s', async (_case, publicKey) => {
    const hospital = await api.createOrganization('Hospital C');
    const created = await createGateway(hospital.ownerSecret);

    const response = await api.request('POST', '/v1/gateways/enroll', { body: { token: created.enrolment.token, publicKey, version: '0.1.0' } });
    const problem = (await response.json()) as { errors: Array<{ path: string }> };

    expect(response.status).toBe(400);
    expect(problem.errors.map((error) => error.path)).toContain('body.publicKey');
  });

  it('lets only hospitals create gateways', async () => {
    const lab = await api.createOrganization('Research lab', 'research_lab');
    const response = await api.request('POST', '/v1/gateways', { token: lab.ownerSecret, body: { name: 'Not here' } });
    expect(response.status).toBe(403);
  });

  it('stops a revoked gateway at once', async () => {
    const hospital = await api.createOrganization('Hospital D');
    const created = await createGateway(hospital.ownerSecret);
    const enrol = await api.request('POST', '/v1/gateways/enroll', {
      body: { token: created.enrolment.token, publicKey: newGatewayPublicKey(), version: '0.1.0' },
    });
    const { credential } = (await enrol.json()) as { credential: string };

    const revoke = await api.request('POST', `/v1/gateways/${created.gateway.id}/revoke`, { token: hospital.ownerSecret });
    expect(revoke.status).toBe(200);
    expect((await api.request('GET', '/v1/gateway', { token: credential })).status).toBe(401);
  });
});
