import { generateKeyPairSync } from 'node:crypto';
import { GBSG2_COLUMNS } from '../../support/seed-collaboration.js';
import type { ApiRequest, ApiResponse, ApiTarget } from './api-targets.js';

/** One request and the response it got, labelled with the step of the scenario. */
export interface Exchange {
  label: string;
  request: ApiRequest;
  response: ApiResponse;
}

/**
 * Sends a scenario's requests to one target and keeps every exchange, so the same scenario run
 * against the Lambda handler and the local app can be compared step by step.
 */
export class RecordingClient {
  readonly exchanges: Exchange[] = [];

  constructor(
    readonly target: ApiTarget,
    readonly operatorToken: string,
  ) {}

  async send(label: string, request: ApiRequest): Promise<ApiResponse> {
    const response = await this.target.send(request);
    this.exchanges.push({ label, request, response });
    return response;
  }

  /** Sends a request and returns its JSON body. Throws with the whole response on any other status. */
  async expectStatus<T>(label: string, request: ApiRequest, status: number): Promise<T> {
    const response = await this.send(label, request);
    if (response.status !== status) {
      throw new Error(`${label} on the ${this.target.name} target returned ${response.status}, expected ${status}: ${response.text}`);
    }
    return response.json as T;
  }
}

export interface SeededOrganization {
  id: string;
  ownerSecret: string;
}

export interface SeededProject {
  hospital: SeededOrganization;
  lab: SeededOrganization;
  dataOfficerSecret: string;
  scientistSecret: string;
  partnershipId: string;
  projectId: string;
}

export interface SeededGateway {
  id: string;
  credential: string;
}

/** A Kaplan–Meier model of recurrence-free survival on GBSG2's `time` (days) and `cens` columns. */
export const RELAPSE_KAPLAN_MEIER_SPEC = { family: 'kaplan_meier', outcome: { kind: 'survival', time: 'time', event: 'cens' } };

export async function createOrganization(client: RecordingClient, name: string, kind: 'hospital' | 'research_lab'): Promise<SeededOrganization> {
  const created = await client.expectStatus<{ organization: { id: string }; ownerKey: { secret: string } }>(
    `create organization ${name}`,
    { method: 'POST', path: '/v1/organizations', token: client.operatorToken, body: { name, kind } },
    201,
  );
  return { id: created.organization.id, ownerSecret: created.ownerKey.secret };
}

async function createApiKey(client: RecordingClient, ownerSecret: string, role: string): Promise<string> {
  const created = await client.expectStatus<{ secret: string }>(`create ${role} key`, { method: 'POST', path: '/v1/api-keys', token: ownerSecret, body: { name: role, role } }, 201);
  return created.secret;
}

/**
 * Seeds a hospital and a research lab through the API: their data officer and data scientist
 * keys, a partnership the lab proposes and the hospital accepts, and a project in it.
 */
export async function seedProject(client: RecordingClient, label: string): Promise<SeededProject> {
  const hospital = await createOrganization(client, `${label} cancer centre`, 'hospital');
  const lab = await createOrganization(client, `${label} research lab`, 'research_lab');
  const dataOfficerSecret = await createApiKey(client, hospital.ownerSecret, 'data_officer');
  const scientistSecret = await createApiKey(client, lab.ownerSecret, 'data_scientist');

  const partnership = await client.expectStatus<{ id: string }>(
    'propose partnership',
    {
      method: 'POST',
      path: '/v1/partnerships',
      token: lab.ownerSecret,
      body: { purpose: 'Relapse risk after localised breast cancer', endsOn: '2030-12-31', invitedOrganizationIds: [hospital.id] },
    },
    201,
  );
  await client.expectStatus('accept partnership', { method: 'POST', path: `/v1/partnerships/${partnership.id}/accept`, token: hospital.ownerSecret }, 200);

  const project = await client.expectStatus<{ id: string }>(
    'create project',
    {
      method: 'POST',
      path: `/v1/partnerships/${partnership.id}/projects`,
      token: scientistSecret,
      body: { name: 'Relapse risk', description: 'Federated Kaplan–Meier curves of recurrence-free survival' },
    },
    201,
  );

  return { hospital, lab, dataOfficerSecret, scientistSecret, partnershipId: partnership.id, projectId: project.id };
}

/** Creates a gateway for the hospital and enrols it with a fresh Ed25519 key, as the gateway CLI does. */
export async function enrolGateway(client: RecordingClient, hospitalOwnerSecret: string): Promise<SeededGateway> {
  const created = await client.expectStatus<{ gateway: { id: string }; enrolment: { token: string } }>(
    'create gateway',
    { method: 'POST', path: '/v1/gateways', token: hospitalOwnerSecret, body: { name: 'Oncology gateway' } },
    201,
  );
  const { publicKey } = generateKeyPairSync('ed25519');
  const enrolled = await client.expectStatus<{ credential: string }>(
    'enrol gateway',
    {
      method: 'POST',
      path: '/v1/gateways/enroll',
      body: { token: created.enrolment.token, publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'), version: '0.1.0' },
    },
    200,
  );
  return { id: created.gateway.id, credential: enrolled.credential };
}

/**
 * Takes a project from an enrolled gateway to a model every site approved: the gateway registers
 * GBSG2, the scientist requests a link to it and the data officer approves, then the scientist adds a
 * Kaplan–Meier model and the data officer approves its spec. Returns the model id.
 */
export async function prepareModel(client: RecordingClient, project: SeededProject, gateway: SeededGateway): Promise<string> {
  const dataset = await client.expectStatus<{ id: string }>(
    'register dataset',
    { method: 'POST', path: '/v1/datasets', token: gateway.credential, body: { name: 'GBSG2', columns: GBSG2_COLUMNS, rowCount: 686 } },
    201,
  );

  const link = await client.expectStatus<{ id: string }>(
    'request dataset link',
    { method: 'POST', path: `/v1/projects/${project.projectId}/dataset-links`, token: project.scientistSecret, body: { datasetId: dataset.id } },
    201,
  );
  await client.expectStatus('approve dataset link', { method: 'POST', path: `/v1/dataset-links/${link.id}/approve`, token: project.dataOfficerSecret }, 200);

  const model = await client.expectStatus<{ id: string; specSha256: string }>(
    'create model',
    { method: 'POST', path: `/v1/projects/${project.projectId}/models`, token: project.scientistSecret, body: { name: 'Relapse-free survival', spec: RELAPSE_KAPLAN_MEIER_SPEC } },
    201,
  );
  await client.expectStatus(
    'approve model spec',
    { method: 'POST', path: `/v1/models/${model.id}/approvals`, token: project.dataOfficerSecret, body: { specSha256: model.specSha256 } },
    201,
  );

  return model.id;
}
