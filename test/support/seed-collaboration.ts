import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { TestApi } from './api-harness.js';

/** GBSG2's columns as a hospital gateway would describe them (units from the study's codebook). */
export const GBSG2_COLUMNS = [
  { name: 'horTh', type: 'categorical', levels: ['no', 'yes'] },
  { name: 'age', type: 'integer', unit: 'years' },
  { name: 'menostat', type: 'categorical', levels: ['Pre', 'Post'] },
  { name: 'tsize', type: 'integer', unit: 'mm' },
  { name: 'tgrade', type: 'categorical', levels: ['I', 'II', 'III'] },
  { name: 'pnodes', type: 'integer' },
  { name: 'progrec', type: 'integer', unit: 'fmol' },
  { name: 'estrec', type: 'integer', unit: 'fmol' },
  { name: 'time', type: 'integer', unit: 'days' },
  { name: 'cens', type: 'integer' },
];

export interface EnrolledGateway {
  id: string;
  credential: string;
  privateKey: KeyObject;
  publicKey: string;
}

export interface Collaboration {
  hospital: { id: string; ownerSecret: string; dataOfficerSecret: string };
  partner: { id: string; ownerSecret: string; dataScientistSecret: string };
  partnershipId: string;
  projectId: string;
  gateway: EnrolledGateway;
  datasetId: string;
}

async function expectJson<T>(response: Response, status: number, what: string): Promise<T> {
  const body: unknown = await response.json();
  if (response.status !== status) throw new Error(`${what} failed: ${response.status} ${JSON.stringify(body)}`);
  return body as T;
}

/** Creates and enrols a gateway of a hospital, with a fresh Ed25519 key pair. */
export async function enrolGateway(api: TestApi, hospitalOwnerSecret: string, name = 'Site gateway'): Promise<EnrolledGateway> {
  const created = await expectJson<{ gateway: { id: string }; enrolment: { token: string } }>(
    await api.request('POST', '/v1/gateways', { token: hospitalOwnerSecret, body: { name } }),
    201,
    'creating a gateway',
  );
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicKeyBase64 = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const enrolled = await expectJson<{ credential: string }>(
    await api.request('POST', '/v1/gateways/enroll', { body: { token: created.enrolment.token, publicKey: publicKeyBase64, version: '0.1.0' } }),
    200,
    'enrolling a gateway',
  );
  return { id: created.gateway.id, credential: enrolled.credential, privateKey, publicKey: publicKeyBase64 };
}

/**
 * Seeds a hospital and a partner lab with an active partnership, a project, an enrolled gateway
 * and a registered GBSG2-shaped dataset, through the API, so tests start from a realistic state.
 */
export async function seedCollaboration(api: TestApi, label = 'seed'): Promise<Collaboration> {
  const hospital = await api.createOrganization(`${label} hospital`, 'hospital');
  const partner = await api.createOrganization(`${label} lab`, 'research_lab');
  const dataOfficer = await api.createApiKey(hospital.ownerSecret, 'data_officer');
  const dataScientist = await api.createApiKey(partner.ownerSecret, 'data_scientist');

  const partnership = await expectJson<{ id: string }>(
    await api.request('POST', '/v1/partnerships', {
      token: partner.ownerSecret,
      body: { purpose: 'Relapse risk after localised breast cancer', endsOn: '2030-12-31', invitedOrganizationIds: [hospital.id] },
    }),
    201,
    'proposing a partnership',
  );
  await expectJson(await api.request('POST', `/v1/partnerships/${partnership.id}/accept`, { token: hospital.ownerSecret }), 200, 'accepting');

  const project = await expectJson<{ id: string }>(
    await api.request('POST', `/v1/partnerships/${partnership.id}/projects`, {
      token: dataScientist.secret,
      body: { name: 'Relapse risk', description: 'Federated Cox model of recurrence-free survival' },
    }),
    201,
    'creating a project',
  );

  const gateway = await enrolGateway(api, hospital.ownerSecret);
  const dataset = await expectJson<{ id: string }>(
    await api.request('POST', '/v1/datasets', { token: gateway.credential, body: { name: 'GBSG2', columns: GBSG2_COLUMNS, rowCount: 686 } }),
    201,
    'registering a dataset',
  );

  return {
    hospital: { id: hospital.id, ownerSecret: hospital.ownerSecret, dataOfficerSecret: dataOfficer.secret },
    partner: { id: partner.id, ownerSecret: partner.ownerSecret, dataScientistSecret: dataScientist.secret },
    partnershipId: partnership.id,
    projectId: project.id,
    gateway,
    datasetId: dataset.id,
  };
}
