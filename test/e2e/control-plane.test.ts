import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { normaliseModelSpec } from '@onsite/compute';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/logging/logger.js';
import { createRuntime, type Runtime } from '../../functions/runtime/create-runtime.js';
import { createModelVersion } from '../../functions/services/models/create-model-version.js';
import { ApiProblemError, createApiClient, dataOrThrow, type ApiClient } from '../../gateway/src/cloud/api-client.js';
import type { components, paths } from '../../gateway/src/cloud/generated/openapi.js';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../support/database.js';

type DatasetColumn = components['schemas']['DatasetColumn'];
type ModelSpec = components['schemas']['ModelSpec'];

const OPERATOR_TOKEN = 'e2e-operator-token-0123456789abcdef';
/** GBSG2 (686 patients), kept next to the repository with the other shared test data. */
const GBSG2_CSV = fileURLToPath(new URL('../../../shared/data/gbsg2.csv', import.meta.url));

/**
 * Describes a CSV file as a gateway would: a column whose every value parses as a number is
 * integer or number, any other is categorical with its distinct values as levels. Only the
 * schema and the row count leave this function, never a value of a numeric column.
 */
function describeCsv(path: string): { columns: DatasetColumn[]; rowCount: number } {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  if (!header) throw new Error(`${path} is empty`);
  const rows = lines.map((line) => line.split(','));
  const names = header.split(',');

  const columns = names.map((name, index): DatasetColumn => {
    const values = rows.map((row) => row[index] ?? '');
    const numbers = values.map(Number);
    if (values.every((value, row) => value !== '' && Number.isFinite(numbers[row]))) {
      return { name, type: numbers.every(Number.isInteger) ? 'integer' : 'number' };
    }
    return { name, type: 'categorical', levels: [...new Set(values)].sort() };
  });
  return { columns, rowCount: rows.length };
}

/** The relapse-risk Cox model: GBSG2 covariates with treatment contrasts, Breslow ties. */
const RELAPSE_COX_SPEC: ModelSpec = {
  family: 'cox_ph',
  outcome: { kind: 'survival', time: 'time', event: 'cens' },
  features: [
    { column: 'horTh', encoding: 'categorical', levels: ['no', 'yes'], reference: 'no' },
    { column: 'age', encoding: 'numeric' },
    { column: 'menostat', encoding: 'categorical', levels: ['Pre', 'Post'], reference: 'Pre' },
    { column: 'tsize', encoding: 'numeric' },
    { column: 'tgrade', encoding: 'categorical', levels: ['I', 'II', 'III'], reference: 'I' },
    { column: 'pnodes', encoding: 'numeric' },
    { column: 'progrec', encoding: 'numeric' },
    { column: 'estrec', encoding: 'numeric' },
  ],
  missing: 'fail',
  hyperparameters: { ties: 'breslow' },
};

interface RunningApi {
  baseUrl: string;
  runtime: Runtime;
  close(): Promise<void>;
}

/**
 * Starts the real app on an HTTP server at 127.0.0.1 with a random port, and a filesystem blob
 * store whose presigned URLs point at that server, so clients reach it exactly as over a network.
 */
async function startApiServer(database: TestDatabase): Promise<RunningApi> {
  const mounted: { runtime?: Runtime } = {};
  // The port is known only once the server listens, and the blob store needs it for its URLs.
  const server = await new Promise<Server>((resolve) => {
    const started = serve(
      {
        fetch: (request) => (mounted.runtime === undefined ? new Response(null, { status: 503 }) : mounted.runtime.app.fetch(request)),
        hostname: '127.0.0.1',
        port: 0,
      },
      () => resolve(started as Server),
    );
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const blobRoot = mkdtempSync(join(tmpdir(), 'onsite-e2e-blobs-'));
  const runtime = await createRuntime({
    database: { driver: 'pglite' },
    existingDatabase: database,
    migrate: false,
    blobStore: { kind: 'fs', root: blobRoot },
    publicBaseUrl: baseUrl,
    maxRequestBytes: 1024 * 1024,
    operatorToken: OPERATOR_TOKEN,
    logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  mounted.runtime = runtime;

  return {
    baseUrl,
    runtime,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      await database.close();
      rmSync(blobRoot, { recursive: true, force: true });
    },
  };
}

describe.each(databaseTargets())('control plane end to end on %s', (target) => {
  let api: RunningApi;
  const client = (token: string): ApiClient => createApiClient({ baseUrl: api.baseUrl, token });

  beforeAll(async () => {
    api = await startApiServer(await openTestDatabase(target));
  });

  afterAll(async () => {
    await api.close();
  });

  /** Runs the collaboration from two new organizations to a model and its pending approval. */
  async function collaborateOnGbsg2(label: string) {
    const operator = client(OPERATOR_TOKEN);
    const hospital = dataOrThrow(await operator.POST('/v1/organizations', { body: { name: `${label} cancer centre`, kind: 'hospital' } }));
    const lab = dataOrThrow(await operator.POST('/v1/organizations', { body: { name: `${label} research lab`, kind: 'research_lab' } }));
    const hospitalOwner = client(hospital.ownerKey.secret);
    const labOwner = client(lab.ownerKey.secret);

    const dataOfficerKey = dataOrThrow(await hospitalOwner.POST('/v1/api-keys', { body: { name: 'data officer', role: 'data_officer' } }));
    const scientistKey = dataOrThrow(await labOwner.POST('/v1/api-keys', { body: { name: 'data scientist', role: 'data_scientist' } }));
    const dataOfficer = client(dataOfficerKey.secret);
    const scientist = client(scientistKey.secret);

    const proposed = dataOrThrow(
      await labOwner.POST('/v1/partnerships', {
        body: { purpose: 'Risk of relapse after localised breast cancer', endsOn: '2030-12-31', invitedOrganizationIds: [hospital.organization.id] },
      }),
    );
    const partnership = dataOrThrow(await hospitalOwner.POST('/v1/partnerships/{partnershipId}/accept', { params: { path: { partnershipId: proposed.id } } }));

    const project = dataOrThrow(
      await scientist.POST('/v1/partnerships/{partnershipId}/projects', {
        params: { path: { partnershipId: partnership.id } },
        body: { name: 'Relapse risk', description: 'Federated Cox model of recurrence-free survival' },
      }),
    );

    const created = dataOrThrow(await hospitalOwner.POST('/v1/gateways', { body: { name: 'Oncology gateway', enrolmentTtlMinutes: 60 } }));
    const { publicKey } = generateKeyPairSync('ed25519');
    // Enrolment is authenticated by the one-time token in the body, so this client sends no credential.
    const anonymous = createClient<paths>({ baseUrl: api.baseUrl });
    const enrolled = dataOrThrow(
      await anonymous.POST('/v1/gateways/enroll', {
        body: { token: created.enrolment.token, publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'), version: '0.1.0', capabilities: { computations: ['cox_newton'] } },
      }),
    );
    const gateway = client(enrolled.credential);

    const description = describeCsv(GBSG2_CSV);
    const dataset = dataOrThrow(await gateway.POST('/v1/datasets', { body: { name: 'GBSG2', description: 'German Breast Cancer Study Group 2', ...description } }));

    const requested = dataOrThrow(await scientist.POST('/v1/projects/{projectId}/dataset-links', { params: { path: { projectId: project.id } }, body: { datasetId: dataset.id } }));
    const link = dataOrThrow(await dataOfficer.POST('/v1/dataset-links/{datasetLinkId}/approve', { params: { path: { datasetLinkId: requested.id } } }));

    const model = dataOrThrow(
      await scientist.POST('/v1/projects/{projectId}/models', { params: { path: { projectId: project.id } }, body: { name: 'Relapse risk, Cox', spec: RELAPSE_COX_SPEC } }),
    );

    return { hospital, lab, hospitalOwner, labOwner, dataOfficer, scientist, project, dataset, description, link, model };
  }

  it('reaches an approved spec from scratch', async () => {
    const flow = await collaborateOnGbsg2('Flow');

    expect(flow.description.rowCount).toBe(686);
    expect(flow.dataset.rowCount).toBe(686);
    expect(flow.dataset.columns.find((column) => column.name === 'tgrade')).toEqual({ name: 'tgrade', type: 'categorical', levels: ['I', 'II', 'III'] });
    expect(flow.link.state).toBe('approved');

    const expected = normaliseModelSpec(RELAPSE_COX_SPEC);
    expect(flow.model.specSha256).toBe(expected.sha256);
    expect(flow.model.datasetIds).toEqual([flow.dataset.id]);
    expect(flow.model.approvedForAllDatasets).toBe(false);

    const approval = dataOrThrow(
      await flow.dataOfficer.POST('/v1/models/{modelId}/approvals', { params: { path: { modelId: flow.model.id } }, body: { specSha256: flow.model.specSha256 } }),
    );
    expect(approval).toMatchObject({ organizationId: flow.hospital.organization.id, state: 'approved', current: true });

    const read = dataOrThrow(await flow.scientist.GET('/v1/models/{modelId}', { params: { path: { modelId: flow.model.id } } }));
    expect(read.approvedForAllDatasets).toBe(true);
    expect(read.datasetOwners).toEqual([{ organizationId: flow.hospital.organization.id, datasetIds: [flow.dataset.id], approved: true }]);
    expect(read.spec).toEqual(expected.spec);

    for (const owner of [flow.hospitalOwner, flow.labOwner]) {
      const report = dataOrThrow(await owner.POST('/v1/audit-events/verify'));
      expect(report.valid, JSON.stringify(report)).toBe(true);
      expect(report.eventsChecked).toBeGreaterThan(3);
    }
  });

  it('rejects approval of a changed spec', async () => {
    const flow = await collaborateOnGbsg2('Stale');
    const reviewed = flow.model.specSha256;
    const changed = dataOrThrow(
      await flow.scientist.PATCH('/v1/models/{modelId}', {
        params: { path: { modelId: flow.model.id } },
        body: { spec: { ...RELAPSE_COX_SPEC, hyperparameters: { ties: 'efron' } } },
      }),
    );

    const failure = await flow.dataOfficer
      .POST('/v1/models/{modelId}/approvals', { params: { path: { modelId: flow.model.id } }, body: { specSha256: reviewed } })
      .then(dataOrThrow)
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ApiProblemError);
    const problem = failure as ApiProblemError;
    expect(problem.status).toBe(409);
    expect(problem.detail).toContain(reviewed);
    expect(problem.detail).toContain(changed.specSha256);
  });

  it('serves model version artifacts through presigned URLs', async () => {
    const flow = await collaborateOnGbsg2('Versions');
    const weights = new TextEncoder().encode('safetensors bytes of the global Cox model');
    const stored = await api.runtime.deps.blobStore.put(`models/${flow.model.id}/weights.safetensors`, weights);

    // The job aggregator writes versions; no route does, so the test calls its service.
    await api.runtime.deps.db.transaction((tx) =>
      createModelVersion(tx, {
        organizationId: flow.lab.organization.id,
        modelId: flow.model.id,
        specSha256: flow.model.specSha256,
        artifacts: [{ key: `models/${flow.model.id}/weights.safetensors`, kind: 'weights', ...stored }],
        lineage: { round: 1 },
        metrics: { logLikelihood: -1750.2 },
        actor: { type: 'system', id: 'aggregator' },
      }),
    );

    const page = dataOrThrow(await flow.dataOfficer.GET('/v1/models/{modelId}/versions', { params: { path: { modelId: flow.model.id }, query: { limit: 10 } } }));
    expect(page.items.map((item) => item.version)).toEqual([1]);
    const [summary] = page.items;
    if (!summary) throw new Error('the version list is empty');

    const version = dataOrThrow(
      await flow.scientist.GET('/v1/models/{modelId}/versions/{modelVersionId}', { params: { path: { modelId: flow.model.id, modelVersionId: summary.id } } }),
    );
    expect(version.metrics).toEqual({ logLikelihood: -1750.2 });
    const [artifact] = version.artifacts;
    if (!artifact) throw new Error(`version ${version.id} has no artifact`);
    expect(artifact.download.url.startsWith(api.baseUrl)).toBe(true);

    const download = await fetch(artifact.download.url, { headers: artifact.download.headers });
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(weights);
    expect(artifact.sha256).toBe(stored.sha256);
  });
});
