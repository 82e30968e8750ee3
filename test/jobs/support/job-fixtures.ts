import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { encodeTensorsWithHash, normaliseModelSpec, type Computation, type ComputationName, type ModelSpecInput, type TensorMap } from '@onsite/compute';
import type { Database } from '../../../db/client.js';
import { newId } from '../../../db/ids.js';
import { datasetLinks, datasets, gateways, modelApprovals, models, partnershipMembers, partnerships, projects } from '../../../db/schema/index.js';
import { hashSecret, newSecret } from '../../../functions/services/auth/secrets.js';
import { resultSigningPayload } from '../../../functions/services/jobs/result-signature.js';
import type { SchedulerDependencies } from '../../../functions/services/jobs/scheduler-dependencies.js';
import { startTestApi, type TestApi } from '../../support/api-harness.js';
import type { DatabaseTarget } from '../../support/database.js';
import { meanComputation } from './mean-computation.js';

/** A clock the tests move by hand, so lease and deadline tests never sleep. */
export class TestClock {
  current = new Date('2026-12-04T09:00:00.000Z');
  now = (): Date => new Date(this.current.getTime());
  advanceSeconds(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

export const KAPLAN_MEIER_SPEC = normaliseModelSpec({ family: 'kaplan_meier', outcome: { kind: 'survival', time: 'rfstime', event: 'status' } });

export interface JobsApi extends TestApi {
  clock: TestClock;
  /** The scheduler's dependencies, for calling sweep and aggregation directly. */
  scheduler(): SchedulerDependencies;
  json<T = Record<string, unknown>>(method: string, path: string, options?: { token?: string; body?: unknown }): Promise<{ status: number; body: T; headers: Headers }>;
}

/** Starts the API with the mean computation (plus any given) registered and a hand-moved clock. */
export async function startJobsApi(target: DatabaseTarget, extra: Partial<Record<ComputationName, Computation>> = {}): Promise<JobsApi> {
  return withScheduler(await startTestApi(target), new TestClock(), extra);
}

/**
 * Adds the scheduler's test wiring to an API: the computation registry (the mean computation
 * plus `extra`) and the hand-moved clock. The restart test calls it on runtimes it opens itself.
 */
export function withScheduler(api: TestApi, clock: TestClock, extra: Partial<Record<ComputationName, Computation>> = {}): JobsApi {
  const registry: Partial<Record<ComputationName, Computation>> = { descriptive: meanComputation as Computation, ...extra };
  api.runtime.deps.now = clock.now;
  api.runtime.deps.computations = (name) => {
    const computation = registry[name];
    if (!computation) throw new Error(`no computation named ${name} in the test registry`);
    return computation;
  };

  return {
    ...api,
    clock,
    scheduler: () => ({
      db: api.runtime.deps.db,
      blobStore: api.runtime.deps.blobStore,
      computations: api.runtime.deps.computations as SchedulerDependencies['computations'],
      logger: api.runtime.deps.logger,
      now: clock.now,
    }),
    async json(method, path, options = {}) {
      const response = await api.request(method, path, options);
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as never, headers: response.headers };
    },
  };
}

export interface SeededGateway {
  id: string;
  name: string;
  organizationId: string;
  credential: string;
  privateKey: KeyObject;
  datasetId: string;
  linkId: string;
}

export interface SeededProject {
  partnerId: string;
  scientistSecret: string;
  ownerSecret: string;
  projectId: string;
  modelId: string;
  specSha256: string;
  hospitals: Array<{ id: string; ownerSecret: string }>;
  gateways: SeededGateway[];
}

/**
 * Seeds a partner (research lab) and `hospitalCount` hospitals in an active partnership, a
 * project, one enrolled gateway with one dataset per hospital, approved links, and a model that
 * lists every seeded dataset and whose spec every hospital approved. Rows the other API domains
 * own are inserted directly.
 */
export async function seedProject(
  api: JobsApi,
  options: {
    hospitalCount?: number;
    approveLinks?: boolean;
    approveSpec?: boolean;
    projectState?: 'active' | 'frozen';
    label?: string;
    /** Use this hospital's existing gateway as the only site, as a gateway serving two projects does. */
    reuseGateway?: SeededGateway;
    /** Model spec of the project's model; a Kaplan–Meier spec by default. */
    spec?: ModelSpecInput;
  } = {},
): Promise<SeededProject> {
  const db: Database = api.runtime.deps.db;
  const label = options.label ?? 'study';
  const partner = await api.createOrganization(`${label} lab`, 'research_lab');
  const scientist = await api.createApiKey(partner.ownerSecret, 'data_scientist');
  const hospitals: Array<{ id: string; ownerSecret: string }> = [];
  if (options.reuseGateway) hospitals.push({ id: options.reuseGateway.organizationId, ownerSecret: '' });
  for (let index = hospitals.length; index < (options.hospitalCount ?? 2); index += 1) {
    hospitals.push(await api.createOrganization(`${label} hospital ${index + 1}`, 'hospital'));
  }

  const partnershipId = newId('partnership');
  await db.insert(partnerships).values({ id: partnershipId, organizationId: partner.id, purpose: `${label} purpose`, endsOn: '2030-01-01', state: 'active' });
  await db.insert(partnershipMembers).values([
    { partnershipId, organizationId: partner.id, state: 'proposer' },
    ...hospitals.map((hospital) => ({ partnershipId, organizationId: hospital.id, state: 'accepted' as const })),
  ]);
  const projectId = newId('project');
  await db.insert(projects).values({ id: projectId, organizationId: partner.id, partnershipId, name: `${label} project`, state: options.projectState ?? 'active', createdBy: 'seed' });

  const model = options.spec ? normaliseModelSpec(options.spec) : KAPLAN_MEIER_SPEC;
  const modelId = newId('model');
  await db.insert(models).values({
    id: modelId,
    organizationId: partner.id,
    projectId,
    name: 'relapse curves',
    family: model.spec.family,
    spec: model.spec as unknown as Record<string, unknown>,
    specSha256: model.sha256,
    datasetIds: [],
    createdBy: 'seed',
  });

  const seededGateways: SeededGateway[] = [];
  for (const [index, hospital] of hospitals.entries()) {
    const gateway = index === 0 && options.reuseGateway ? options.reuseGateway : await seedGateway(db, hospital.id, `${label} gateway ${index + 1}`);
    const { id: gatewayId, name, credential, privateKey } = gateway;
    const datasetId = newId('dataset');
    await db.insert(datasets).values({ id: datasetId, organizationId: hospital.id, gatewayId, name: `${label} gbsg2`, columns: [{ name: 'age', type: 'number' }], rowCount: 200 });
    const linkId = newId('datasetLink');
    await db.insert(datasetLinks).values({
      id: linkId,
      organizationId: hospital.id,
      projectId,
      datasetId,
      requestedByOrganizationId: partner.id,
      requestedBy: 'seed',
      state: options.approveLinks === false ? 'requested' : 'approved',
    });
    if (options.approveSpec !== false) {
      await db.insert(modelApprovals).values({ id: newId('modelApproval'), organizationId: hospital.id, modelId, specSha256: model.sha256, state: 'approved', decidedBy: 'seed' });
    }
    seededGateways.push({ id: gatewayId, name, organizationId: hospital.id, credential, privateKey, datasetId, linkId });
  }
  await setModelDatasets(api, modelId, seededGateways);

  return {
    partnerId: partner.id,
    ownerSecret: partner.ownerSecret,
    scientistSecret: scientist.secret,
    projectId,
    modelId,
    specSha256: model.sha256,
    hospitals,
    gateways: seededGateways,
  };
}

/** Sets the datasets a model lists, and so the links its jobs may run on, to those of `sites`. */
export async function setModelDatasets(api: JobsApi, modelId: string, sites: ReadonlyArray<{ datasetId: string } | undefined>): Promise<void> {
  const datasetIds = sites.map((site) => {
    if (!site) throw new Error(`setModelDatasets: a site of model ${modelId} is undefined; check the gateway index`);
    return site.datasetId;
  });
  await api.runtime.deps.db.update(models).set({ datasetIds }).where(eq(models.id, modelId));
}

/** Inserts an enrolled gateway with a fresh Ed25519 key pair and bearer credential. */
async function seedGateway(db: Database, organizationId: string, name: string): Promise<Omit<SeededGateway, 'datasetId' | 'linkId'>> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const credential = newSecret('gatewayCredential');
  const id = newId('gateway');
  await db.insert(gateways).values({
    id,
    organizationId,
    name,
    state: 'active',
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    credentialHash: hashSecret(credential),
    createdBy: 'seed',
  });
  return { id, name, organizationId, credential, privateKey };
}

/** Creates a mean job through the API and returns its body; throws with the whole response otherwise. */
export async function createMeanJob(api: JobsApi, project: SeededProject, settings: Record<string, unknown> = {}): Promise<{ id: string; state: string; currentRound: number }> {
  const response = await api.json<{ id: string; state: string; currentRound: number }>('POST', `/v1/projects/${project.projectId}/jobs`, {
    token: project.scientistSecret,
    body: { kind: 'analytics', computation: 'descriptive', modelId: project.modelId, settings: { maxRounds: 2, ...settings } },
  });
  if (response.status !== 201) throw new Error(`creating the job failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export interface ClaimedTaskBody {
  taskId: string;
  jobId: string;
  roundId: string;
  roundNumber: number;
  leaseToken: string;
  leaseExpiresAt: string;
  parameters: Record<string, unknown>;
  globalTensors: { url: string; sha256: string } | null;
  attempt: number;
}

/** What a gateway runner does, through the HTTP API: claim, heartbeat, upload, sign and submit. */
export class TestGateway {
  constructor(
    readonly api: JobsApi,
    readonly seeded: SeededGateway,
  ) {}

  async claim(): Promise<ClaimedTaskBody | null> {
    const response = await this.api.json<ClaimedTaskBody>('POST', '/v1/tasks/claim', { token: this.seeded.credential });
    if (response.status === 204) return null;
    if (response.status !== 200) throw new Error(`claim failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async claimOrFail(): Promise<ClaimedTaskBody> {
    const task = await this.claim();
    if (!task) throw new Error(`gateway ${this.seeded.name} found no task to claim`);
    return task;
  }

  heartbeat(task: ClaimedTaskBody) {
    return this.api.json('POST', `/v1/tasks/${task.taskId}/heartbeat`, { token: this.seeded.credential, body: { leaseToken: task.leaseToken } });
  }

  /** Uploads the tensors through the presigned URL and returns the key and SHA-256. */
  async upload(task: ClaimedTaskBody, tensors: TensorMap): Promise<{ key: string; sha256: string }> {
    const { bytes, sha256 } = encodeTensorsWithHash(tensors);
    return this.uploadBytes(task, bytes, sha256);
  }

  async uploadBytes(task: ClaimedTaskBody, bytes: Uint8Array, sha256 = createHash('sha256').update(bytes).digest('hex')): Promise<{ key: string; sha256: string }> {
    const target = await this.api.json<{ kind: string; key: string; request: { url: string; headers: Record<string, string> } }>('POST', `/v1/tasks/${task.taskId}/upload-url`, {
      token: this.seeded.credential,
      body: { leaseToken: task.leaseToken, sizeBytes: bytes.byteLength },
    });
    if (target.status !== 200) throw new Error(`upload URL failed: ${target.status} ${JSON.stringify(target.body)}`);
    const url = new URL(target.body.request.url);
    const put = await this.api.runtime.app.request(`${url.pathname}${url.search}`, { method: 'PUT', headers: target.body.request.headers, body: bytes });
    if (put.status >= 300) throw new Error(`upload failed: ${put.status} ${await put.text()}`);
    return { key: target.body.key, sha256 };
  }

  signature(task: ClaimedTaskBody, fields: { artifactSha256: string; sampleCount: number; metrics: Record<string, number> }, key: KeyObject = this.seeded.privateKey): string {
    return sign(null, resultSigningPayload({ taskId: task.taskId, leaseToken: task.leaseToken, ...fields }), key).toString('base64');
  }

  submit(task: ClaimedTaskBody, fields: { artifactKey: string; artifactSha256: string; sampleCount: number; metrics: Record<string, number>; signature?: string }) {
    const { signature, ...rest } = fields;
    return this.api.json<Record<string, unknown>>('POST', `/v1/tasks/${task.taskId}/result`, {
      token: this.seeded.credential,
      body: { leaseToken: task.leaseToken, ...rest, signature: signature ?? this.signature(task, rest) },
    });
  }

  /** Claims, uploads and submits a contribution in one go; returns the claimed task and the submit response. */
  async contribute(tensors: TensorMap, sampleCount: number, metrics: Record<string, number> = {}) {
    const task = await this.claimOrFail();
    const { key, sha256 } = await this.upload(task, tensors);
    const response = await this.submit(task, { artifactKey: key, artifactSha256: sha256, sampleCount, metrics });
    return { task, response };
  }

  refuse(task: { taskId: string; leaseToken?: string }, reason: string) {
    return this.api.json('POST', `/v1/tasks/${task.taskId}/refuse`, { token: this.seeded.credential, body: { reason, ...(task.leaseToken ? { leaseToken: task.leaseToken } : {}) } });
  }
}

/** Reads a job through the API. */
export async function readJob(api: JobsApi, project: SeededProject, jobId: string) {
  const response = await api.json<{ state: string; currentRound: number; failureReason: string | null }>('GET', `/v1/jobs/${jobId}`, { token: project.scientistSecret });
  if (response.status !== 200) throw new Error(`reading job ${jobId} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function readRounds(api: JobsApi, project: SeededProject, jobId: string) {
  const response = await api.json<{ items: Array<{ number: number; state: string; failureReason: string | null; missingSites: Array<{ gatewayId: string; gatewayName: string }> | null; metrics: Record<string, unknown>; sites: Array<{ gatewayId: string; state: string; attempts: number; reason: string | null }> }> }>(
    'GET',
    `/v1/jobs/${jobId}/rounds`,
    { token: project.scientistSecret },
  );
  if (response.status !== 200) throw new Error(`reading rounds of ${jobId} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.items;
}

