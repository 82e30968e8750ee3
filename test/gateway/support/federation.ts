import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { normaliseModelSpec, type Computation, type ComputationName } from '@onsite/compute';
import pino from 'pino';

import { newId } from '../../../db/ids.js';
import { modelApprovals, models } from '../../../db/schema/index.js';
import { enrollGateway } from '../../../gateway/src/cloud/enroll-gateway.js';
import { createRegisterWithCloud } from '../../../gateway/src/cloud/register-dataset.js';
import { runCli } from '../../../gateway/src/program.js';
import { gatewayReport } from '../../../gateway/src/runner/capabilities.js';
import { startGateway, type RunningGateway, type StartGatewayOptions } from '../../../gateway/src/runner/start-gateway.js';
import { findDataset, statePaths } from '../../../gateway/src/state/index.js';
import type { SchedulerDependencies } from '../../../functions/services/jobs/scheduler-dependencies.js';
import type { DatabaseTarget } from '../../support/database.js';
import { closedLoopbackPort, startLoopbackApi, type LoopbackApi } from './loopback-api.js';
import { TestNetwork } from './network.js';

export interface SiteOptions {
  /** Data file of the site. */
  file: string;
  /** `key=value` policy assignments after `allowedProjects=<the project>`. */
  policy?: string[];
  /** Leave the project out of the site's allowedProjects. */
  denyProject?: boolean;
}

export interface FederatedSite {
  index: number;
  organizationId: string;
  ownerSecret: string;
  dataOfficerSecret: string;
  stateDir: string;
  gatewayId: string;
  datasetId: string;
  linkId: string;
}

export interface JobBody {
  id: string;
  state: string;
  currentRound: number;
  failureReason: string | null;
}

export interface RoundBody {
  number: number;
  state: string;
  sites: { gatewayId: string; state: string; attempts: number; reason: string | null }[];
}

/**
 * A partner lab and several hospitals, each with a real gateway state folder. Each gateway is
 * enrolled through `gateways.enroll` with a one-time token, and its site file is added with
 * `dataset add`, which registers it in the cloud through the gateway's own hook. Its policy is set
 * with `policy set`, and the dataset is linked to the project and approved by the hospital's data
 * officer. Models are inserted with the hospitals' approvals, because these tests do not exercise
 * the model routes.
 */
export class Federation {
  readonly sites: FederatedSite[] = [];
  projectId = '';
  private partner = { id: '', ownerSecret: '', scientistSecret: '' };
  private readonly running = new Set<RunningGateway>();
  private readonly folders: string[] = [];

  /** The network every gateway uses unless a test gives it its own. */
  readonly network: TestNetwork;

  private constructor(
    readonly api: LoopbackApi,
    private readonly deadOrigin: string,
    private readonly computations: (name: ComputationName) => Computation,
  ) {
    this.network = new TestNetwork(deadOrigin);
  }

  static async start(target: DatabaseTarget, computations: (name: ComputationName) => Computation): Promise<Federation> {
    const api = await startLoopbackApi(target);
    api.runtime.deps.computations = computations;
    return new Federation(api, `http://127.0.0.1:${await closedLoopbackPort()}`, computations);
  }

  /** Creates a separate network for one gateway, so a test can cut it off without touching the others. */
  createNetwork(): TestNetwork {
    return new TestNetwork(this.deadOrigin);
  }

  /** Returns the scheduler's dependencies on the API's clock, to run the lease sweep as the scheduled worker would. */
  scheduler(): SchedulerDependencies {
    const deps = this.api.runtime.deps;
    return { db: deps.db, blobStore: deps.blobStore, computations: this.computations, logger: deps.logger, now: this.api.clock.now };
  }

  /** Seeds the partner, the hospitals, their gateways and datasets; one call per test file. */
  async seed(label: string, siteOptions: SiteOptions[]): Promise<void> {
    const partner = await this.api.createOrganization(`${label} lab`, 'research_lab');
    const scientist = await this.api.createApiKey(partner.ownerSecret, 'data_scientist');
    this.partner = { id: partner.id, ownerSecret: partner.ownerSecret, scientistSecret: scientist.secret };

    const hospitals = [];
    for (const [index] of siteOptions.entries()) {
      const hospital = await this.api.createOrganization(`${label} hospital ${index + 1}`, 'hospital');
      const dataOfficer = await this.api.createApiKey(hospital.ownerSecret, 'data_officer');
      hospitals.push({ ...hospital, dataOfficerSecret: dataOfficer.secret });
    }

    const partnership = await this.call<{ id: string }>('POST', '/v1/partnerships', partner.ownerSecret, 201, {
      purpose: 'Relapse risk after localised breast cancer',
      endsOn: '2030-12-31',
      invitedOrganizationIds: hospitals.map((hospital) => hospital.id),
    });
    for (const hospital of hospitals) {
      await this.call('POST', `/v1/partnerships/${partnership.id}/accept`, hospital.ownerSecret, 200);
    }
    const project = await this.call<{ id: string }>('POST', `/v1/partnerships/${partnership.id}/projects`, scientist.secret, 201, {
      name: `${label} project`,
      description: 'Federated survival analysis of GBSG2',
    });
    this.projectId = project.id;

    for (const [index, options] of siteOptions.entries()) {
      this.sites.push(await this.seedSite(index, hospitals[index]!, options));
    }
  }

  private async seedSite(
    index: number,
    hospital: { id: string; ownerSecret: string; dataOfficerSecret: string },
    options: SiteOptions,
  ): Promise<FederatedSite> {
    const stateDir = mkdtempSync(join(tmpdir(), `onsite-gateway-${index + 1}-`));
    this.folders.push(stateDir);

    const created = await this.call<{ gateway: { id: string }; enrolment: { token: string } }>('POST', '/v1/gateways', hospital.ownerSecret, 201, {
      name: `Site ${index + 1} gateway`,
    });
    await enrollGateway({
      stateDir,
      apiUrl: this.api.baseUrl,
      token: created.enrolment.token,
      report: gatewayReport('0.1.0', this.computations),
      fetch: this.network.fetch,
    });

    const projects = options.denyProject === true ? [] : [this.projectId];
    await this.cli(stateDir, ['policy', 'set', `allowedProjects=${projects.join(',')}`, ...(options.policy ?? [])]);
    await this.cli(stateDir, ['dataset', 'add', options.file, '--name', `site${index + 1}`]);
    const record = await findDataset(stateDir, `site${index + 1}`);
    if (record?.cloudId === undefined) throw new Error(`site ${index + 1}: dataset add did not register the dataset in the cloud`);

    const link = await this.call<{ id: string }>('POST', `/v1/projects/${this.projectId}/dataset-links`, this.partner.scientistSecret, 201, {
      datasetId: record.cloudId,
    });
    await this.call('POST', `/v1/dataset-links/${link.id}/approve`, hospital.dataOfficerSecret, 200);

    return {
      index,
      organizationId: hospital.id,
      ownerSecret: hospital.ownerSecret,
      dataOfficerSecret: hospital.dataOfficerSecret,
      stateDir,
      gatewayId: created.gateway.id,
      datasetId: record.cloudId,
      linkId: link.id,
    };
  }

  /** Runs the gateway CLI on a site's state folder, as the hospital's IT would; throws with its output on failure. */
  async cli(stateDir: string, args: string[]): Promise<string> {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['node', 'onsite-gateway', '--state', stateDir, ...args], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
      registerWithCloud: createRegisterWithCloud({ fetch: this.network.fetch }),
    });
    if (code !== 0) throw new Error(`onsite-gateway ${args.join(' ')} exited with ${code}: ${stderr}${stdout}`);
    return stdout;
  }

  /** Inserts a model on every site's dataset with its spec approved by every hospital, and returns its id. */
  async createModel(name: string, specInput: unknown): Promise<string> {
    const { spec, sha256 } = normaliseModelSpec(specInput);
    const modelId = newId('model');
    const db = this.api.runtime.deps.db;
    await db.insert(models).values({
      id: modelId,
      organizationId: this.partner.id,
      projectId: this.projectId,
      name,
      family: spec.family,
      spec: spec as unknown as Record<string, unknown>,
      specSha256: sha256,
      datasetIds: this.sites.map((site) => site.datasetId),
      createdBy: 'test',
    });
    for (const site of this.sites) {
      await db.insert(modelApprovals).values({ id: newId('modelApproval'), organizationId: site.organizationId, modelId, specSha256: sha256, state: 'approved', decidedBy: 'test' });
    }
    return modelId;
  }

  async createJob(body: { kind: string; computation: ComputationName; modelId: string; settings?: Record<string, unknown> }): Promise<JobBody> {
    return this.call<JobBody>('POST', `/v1/projects/${this.projectId}/jobs`, this.partner.scientistSecret, 201, body);
  }

  async readJob(jobId: string): Promise<JobBody> {
    return this.call<JobBody>('GET', `/v1/jobs/${jobId}`, this.partner.scientistSecret, 200);
  }

  async readRounds(jobId: string): Promise<RoundBody[]> {
    return (await this.call<{ items: RoundBody[] }>('GET', `/v1/jobs/${jobId}/rounds`, this.partner.scientistSecret, 200)).items;
  }

  async readResults<T>(jobId: string): Promise<{ state: string; final: boolean; results: T }> {
    return this.call('GET', `/v1/jobs/${jobId}/results`, this.partner.scientistSecret, 200);
  }

  /** Starts a site's gateway on its state folder, through the test network, with short test timings. */
  async startGateway(site: FederatedSite, options: Partial<StartGatewayOptions> = {}): Promise<RunningGateway> {
    const gateway = await startGateway({
      stateDir: site.stateDir,
      computations: this.computations,
      fetch: this.network.fetch,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      pollIntervalMs: 20,
      claimWaitSeconds: 0,
      backoff: { baseDelayMs: 10, maxDelayMs: 100 },
      ...options,
    });
    this.running.add(gateway);
    const stop = gateway.stop.bind(gateway);
    return {
      ...gateway,
      stopped: gateway.stopped,
      stop: async () => {
        this.running.delete(gateway);
        await stop();
      },
    };
  }

  /** Polls until `done` holds for the job, failing with the job and its rounds after `timeoutMs`. */
  async waitForJob(jobId: string, done: (job: JobBody) => boolean = isFinished, timeoutMs = 60_000): Promise<JobBody> {
    const giveUpAt = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.readJob(jobId);
      if (done(job)) return job;
      if (Date.now() > giveUpAt) {
        throw new Error(`job ${jobId} did not reach the expected state in ${timeoutMs} ms: ${JSON.stringify(job)} rounds ${JSON.stringify(await this.readRounds(jobId))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async close(): Promise<void> {
    for (const gateway of [...this.running]) {
      await gateway.stop();
    }
    await this.api.close();
    for (const folder of this.folders) {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  private async call<T = unknown>(method: string, path: string, token: string, status: number, body?: unknown): Promise<T> {
    const response = await this.api.request(method, path, { token, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    if (response.status !== status) throw new Error(`${method} ${path} returned ${response.status}, expected ${status}: ${text}`);
    return (text === '' ? null : JSON.parse(text)) as T;
  }
}

export function isFinished(job: JobBody): boolean {
  return job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled';
}

/** Waits until `condition` returns a value other than undefined, polling every 10 ms. */
export async function waitFor<T>(what: string, condition: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined) return value;
    if (Date.now() > giveUpAt) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Reads the entries of a gateway's local audit log (one JSON object per line). */
export async function readAuditEntries(stateDir: string): Promise<{ type: string; details: Record<string, unknown> }[]> {
  const text = await readFile(statePaths(stateDir).auditLog, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { type: string; details: Record<string, unknown> });
}
