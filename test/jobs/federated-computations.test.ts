import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { decodeTensors, getComputation, modelSpecSchema, type ColumnarTable, type ComputationName, type SitePrivacy, type TableColumn } from '@onsite/compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/database.js';
import { readJob, seedProject, startJobsApi, TestGateway, type ClaimedTaskBody, type JobsApi, type SeededProject } from './support/job-fixtures.js';

const DATA = new URL('../../../shared/data/', import.meta.url);
const COVARIATES = ['horTh_yes', 'age', 'menostat_Post', 'tsize', 'tgrade_II', 'tgrade_III', 'pnodes', 'progrec', 'estrec'];
const EXACT_TIMES: SitePrivacy = { minCellSize: 10, smallCellAction: 'refuse', exactEventTimes: true, timeGridDays: 30 };

/** Reads one simulated hospital's GBSG2 file (plain comma-separated numbers, one header row). */
function readSiteTable(site: number): ColumnarTable {
  const [header, ...lines] = readFileSync(new URL(`gbsg2_sites/site${site}.csv`, DATA), 'utf8').trim().split('\n');
  const names = (header ?? '').split(',');
  const rows = lines.map((line) => line.split(',').map(Number));
  const columns = new Map<string, TableColumn>(names.map((name, index) => [name, { type: 'number', values: rows.map((row) => row[index] as number) }]));
  return { rowCount: rows.length, columns };
}

type FullClaim = ClaimedTaskBody & { computation: ComputationName; spec: unknown; globalTensors: { url: string; sha256: string } | null };

/**
 * Does what a gateway runner does with one task: claim it, download and check the global tensors,
 * run the site step on local data, upload the update and submit it signed. Returns false when the
 * gateway had no task.
 */
async function runOneTask(api: JobsApi, gateway: TestGateway, table: ColumnarTable): Promise<boolean> {
  const claim = await api.json<FullClaim>('POST', '/v1/tasks/claim', { token: gateway.seeded.credential });
  if (claim.status === 204) return false;
  expect(claim.status, JSON.stringify(claim.body)).toBe(200);
  const task = claim.body;

  let globalTensors;
  if (task.globalTensors) {
    const url = new URL(task.globalTensors.url);
    const download = new Uint8Array(await (await api.runtime.app.request(`${url.pathname}${url.search}`)).arrayBuffer());
    expect(createHash('sha256').update(download).digest('hex')).toBe(task.globalTensors.sha256);
    globalTensors = decodeTensors(download).tensors;
  }

  const computation = getComputation(task.computation);
  const contribution = await computation.runSite({
    spec: modelSpecSchema.parse(task.spec),
    table,
    round: task.roundNumber,
    parameters: task.parameters,
    ...(globalTensors ? { globalTensors } : {}),
    privacy: EXACT_TIMES,
  });
  const { key, sha256 } = await gateway.upload(task, contribution.tensors);
  const submitted = await gateway.submit(task, { artifactKey: key, artifactSha256: sha256, sampleCount: contribution.sampleCount, metrics: contribution.metrics });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
  return true;
}

/** Runs every site's tasks until the job leaves the running states, at most `maxPasses` passes. */
async function runToEnd(api: JobsApi, project: SeededProject, jobId: string, maxPasses = 40): Promise<string> {
  const gateways = project.gateways.map((seeded) => new TestGateway(api, seeded));
  const tables = [1, 2, 3].map(readSiteTable);
  for (let pass = 0; pass < maxPasses; pass += 1) {
    const state = (await readJob(api, project, jobId)).state;
    if (state !== 'queued' && state !== 'running') return state;
    for (const [index, gateway] of gateways.entries()) await runOneTask(api, gateway, tables[index] as ColumnarTable);
  }
  throw new Error(`job ${jobId} still runs after ${maxPasses} passes`);
}

describe.each(databaseTargets())('federated computations through the API on %s', (target) => {
  let api: JobsApi;

  beforeAll(async () => {
    api = await startJobsApi(target, { cox_newton: getComputation('cox_newton'), kaplan_meier: getComputation('kaplan_meier') });
  });

  afterAll(async () => {
    await api.close();
  });

  it("fits the stratified Cox model of R's survival package", async () => {
    const reference = JSON.parse(readFileSync(new URL('reference/gbsg2_cox_stratified.json', DATA), 'utf8')).breslow.tight_control;
    const project = await seedProject(api, {
      hospitalCount: 3,
      label: 'cox',
      spec: {
        family: 'cox_ph',
        outcome: { kind: 'survival', time: 'time', event: 'event' },
        features: COVARIATES.map((column) => ({ column, encoding: 'numeric' as const })),
        hyperparameters: { ties: 'breslow' },
      },
    });
    const created = await api.json<{ id: string }>('POST', `/v1/projects/${project.projectId}/jobs`, {
      token: project.scientistSecret,
      body: { kind: 'train', computation: 'cox_newton', modelId: project.modelId, settings: { maxRounds: 30 } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const state = await runToEnd(api, project, created.body.id);

    expect(state).toBe('succeeded');
    const results = await api.json<{ results: { cox: { coefficients: Array<{ name: string; coefficient: number; standardError: number }>; loglik: number } } }>(
      'GET',
      `/v1/jobs/${created.body.id}/results`,
      { token: project.scientistSecret },
    );
    const cox = results.body.results.cox;
    for (const entry of cox.coefficients) {
      expect(Math.abs(entry.coefficient - reference.coefficients[entry.name]) / Math.abs(reference.coefficients[entry.name]), entry.name).toBeLessThan(1e-6);
      expect(Math.abs(entry.standardError - reference.se[entry.name]) / Math.abs(reference.se[entry.name]), entry.name).toBeLessThan(1e-6);
    }
    expect(Math.abs(cox.loglik - reference.loglik) / Math.abs(reference.loglik)).toBeLessThan(1e-6);
  });

  it("reproduces R's pooled Kaplan–Meier median", async () => {
    const project = await seedProject(api, { hospitalCount: 3, label: 'km', spec: { family: 'kaplan_meier', outcome: { kind: 'survival', time: 'time', event: 'event' } } });
    const created = await api.json<{ id: string }>('POST', `/v1/projects/${project.projectId}/jobs`, {
      token: project.scientistSecret,
      body: { kind: 'analytics', computation: 'kaplan_meier', modelId: project.modelId, settings: { maxRounds: 1, options: { times: [365, 730, 1095, 1825] } } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const state = await runToEnd(api, project, created.body.id);

    expect(state).toBe('succeeded');
    const results = await api.json<{ results: { overall: { median: number; medianLower: number; medianUpper: number } } }>('GET', `/v1/jobs/${created.body.id}/results`, {
      token: project.scientistSecret,
    });
    const overall = results.body.results.overall;
    expect([overall.median, overall.medianLower, overall.medianUpper]).toEqual([1807, 1587, 2030]);
  });
});
