import { generateKeyPairSync } from 'node:crypto';
import { ROLES, type Role } from '../../db/schema/index.js';
import { TEST_OPERATOR_TOKEN, type TestApi } from '../support/api-harness.js';

export interface SeededTenants {
  hospitalId: string;
  /** Keys of the hospital, one per role. */
  hospitalKeys: Record<Role, string>;
  /** Keys of an unrelated hospital that is no member of any seeded partnership. */
  outsiderKeys: Record<Role, string>;
  revokedKey: string;
  gatewayCredential: string;
  revokedGatewayCredential: string;
  /** Ids of the hospital's resources by path parameter name, for operations that take them. */
  pathValues: Record<string, string>;
  /** Text that belongs to the hospital and its partner and must never reach an outsider. */
  privateTexts: string[];
  /** Every secret the seed created: no response may ever contain one. */
  secrets: string[];
}

async function expectStatus(response: Response, status: number, what: string): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== status) throw new Error(`seeding failed to ${what}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

async function keysForEveryRole(api: TestApi, ownerSecret: string): Promise<Record<Role, string>> {
  const keys = { owner: ownerSecret } as Record<Role, string>;
  for (const role of ROLES) {
    if (role !== 'owner') keys[role] = (await api.createApiKey(ownerSecret, role)).secret;
  }
  return keys;
}

/** Creates a gateway through gateways.create and, unless `enroll` is false, enrols it with a fresh Ed25519 key. */
async function seedGateway(api: TestApi, ownerSecret: string, name: string, enroll: boolean) {
  const created = await expectStatus(await api.request('POST', '/v1/gateways', { token: ownerSecret, body: { name } }), 201, `create gateway ${name}`);
  const gateway = created.gateway as { id: string };
  const enrolmentToken = (created.enrolment as { token: string }).token;
  if (!enroll) return { id: gateway.id, enrolmentToken, credential: undefined };

  const publicKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const enrolled = await expectStatus(
    await api.request('POST', '/v1/gateways/enroll', { body: { token: enrolmentToken, publicKey, version: '0.1.0' } }),
    200,
    `enrol gateway ${name}`,
  );
  return { id: gateway.id, enrolmentToken, credential: enrolled.credential as string };
}

/**
 * Seeds, through the public routes, a hospital in an active partnership with a partner company,
 * a project in it, gateways in each state, revoked credentials, and an outsider hospital.
 */
export async function seedTenants(api: TestApi): Promise<SeededTenants> {
  const hospital = await api.createOrganization('Security suite hospital', 'hospital');
  const partner = await api.createOrganization('Security suite partner', 'company');
  const outsider = await api.createOrganization('Security suite outsider', 'hospital');
  const hospitalKeys = await keysForEveryRole(api, hospital.ownerSecret);
  const outsiderKeys = await keysForEveryRole(api, outsider.ownerSecret);

  const purpose = 'Security suite private purpose: relapse after lumpectomy';
  const proposed = await expectStatus(
    await api.request('POST', '/v1/partnerships', {
      token: partner.ownerSecret,
      body: { purpose, endsOn: '2099-06-30', invitedOrganizationIds: [hospital.id] },
    }),
    201,
    'propose the partnership',
  );
  const partnershipId = proposed.id as string;
  await expectStatus(await api.request('POST', `/v1/partnerships/${partnershipId}/accept`, { token: hospital.ownerSecret }), 200, 'accept the partnership');

  const projectName = 'Security suite private project';
  const project = await expectStatus(
    await api.request('POST', `/v1/partnerships/${partnershipId}/projects`, { token: partner.ownerSecret, body: { name: projectName } }),
    201,
    'create the project',
  );

  const spareKey = await api.createApiKey(hospital.ownerSecret, 'viewer', 'spare key for path parameters');
  const revokedKey = await api.createApiKey(hospital.ownerSecret, 'admin', 'revoked key');
  await expectStatus(await api.request('POST', `/v1/api-keys/${revokedKey.id}/revoke`, { token: hospital.ownerSecret }), 200, 'revoke a key');

  const enrolled = await seedGateway(api, hospital.ownerSecret, 'Enrolled gateway', true);
  const pending = await seedGateway(api, hospital.ownerSecret, 'Pending gateway', false);
  const revoked = await seedGateway(api, hospital.ownerSecret, 'Revoked gateway', true);
  await expectStatus(await api.request('POST', `/v1/gateways/${revoked.id}/revoke`, { token: hospital.ownerSecret }), 200, 'revoke a gateway');

  return {
    hospitalId: hospital.id,
    hospitalKeys,
    outsiderKeys,
    revokedKey: revokedKey.secret,
    gatewayCredential: enrolled.credential as string,
    revokedGatewayCredential: revoked.credential as string,
    pathValues: {
      partnershipId,
      projectId: project.id as string,
      apiKeyId: spareKey.id,
      gatewayId: pending.id,
    },
    privateTexts: [purpose, projectName, 'Security suite hospital', 'Security suite partner'],
    secrets: [
      TEST_OPERATOR_TOKEN,
      partner.ownerSecret,
      ...Object.values(hospitalKeys),
      ...Object.values(outsiderKeys),
      spareKey.secret,
      revokedKey.secret,
      enrolled.credential as string,
      revoked.credential as string,
      enrolled.enrolmentToken,
      pending.enrolmentToken,
      revoked.enrolmentToken,
    ],
  };
}
