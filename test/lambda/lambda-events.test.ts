import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client.js';
import { createLogger } from '../../functions/logging/logger.js';
import { createRuntime, type Runtime } from '../../functions/runtime/create-runtime.js';
import { PROJECT_ROOT, esbuildOptionsFor } from '../../infra/bundling.js';
import { MIGRATIONS_DIR, handlerEntryPath } from '../../infra/handlers.js';
import { buildHttpApiEvent, lambdaTarget, localTarget, type ApiResponse, type ApiTarget, type BundledApiHandler } from './support/api-targets.js';
import { RecordingClient, createOrganization, enrolGateway, prepareModel, seedProject, type Exchange } from './support/collaboration.js';
import { VolatileValueMasker } from './support/placeholders.js';

const OPERATOR_TOKEN = 'lambda-test-operator-token-0123456789';
const BLOB_SIGNING_SECRET = 'lambda-test-blob-signing-secret-0123456789abcdef';
const PUBLIC_BASE_URL = 'http://127.0.0.1:8787';
const MAX_REQUEST_BYTES = 1024 * 1024;
const LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
/** A request id the API generates when the caller sends none. */
const GENERATED_REQUEST_ID = /^req_[a-z2-7]{32}$/;

/** Applies the migrations to a PGlite data directory and closes it, as the deploy-time migration function does. */
async function migrateDataDir(dataDir: string): Promise<void> {
  const database = await openDatabase({ driver: 'pglite', dataDir });
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
}

/** Sets environment variables and returns a function that puts back the previous values. */
function setEnvironment(values: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** The parts of a response that must match between the Lambda handler and the local app. */
function comparableResponse(response: ApiResponse, masker = new VolatileValueMasker()) {
  const { 'x-request-id': _requestId, ...headers } = response.headers;
  return { status: response.status, contentType: response.contentType, headers: masker.mask(headers), body: masker.mask(response.json ?? response.text) };
}

function describeExchange(exchange: Exchange | undefined): string {
  if (exchange === undefined) return 'no exchange';
  return `${exchange.label}: ${exchange.request.method} ${exchange.request.path} -> ${exchange.response.status} ${exchange.response.text}`;
}

/**
 * Asserts that both runs of a scenario made the same requests and got the same responses, step by
 * step, and that every Lambda response carries a request id.
 */
function expectSameExchanges(lambda: Exchange[], local: Exchange[]): void {
  expect(lambda.map((exchange) => exchange.label)).toEqual(local.map((exchange) => exchange.label));
  const lambdaMasker = new VolatileValueMasker();
  const localMasker = new VolatileValueMasker();
  for (const [index, lambdaExchange] of lambda.entries()) {
    const localExchange = local[index];
    expect(lambdaExchange.response.headers['x-request-id'], describeExchange(lambdaExchange)).toMatch(GENERATED_REQUEST_ID);
    expect(comparableResponse(lambdaExchange.response, lambdaMasker), `${describeExchange(lambdaExchange)}\nlocal ${describeExchange(localExchange)}`).toEqual(
      localExchange && comparableResponse(localExchange.response, localMasker),
    );
  }
}

describe('API Lambda bundle with HTTP API events', () => {
  let workDir: string;
  let bundleDir: string;
  let restoreEnvironment: (() => void) | undefined;
  let lambda: ReturnType<typeof lambdaTarget>;
  let local: ApiTarget;
  let localRuntime: Runtime | undefined;

  /** Runs one scenario on the Lambda handler, then on the local app, each with its own tenants. */
  async function runOnBoth<T>(scenario: (client: RecordingClient) => Promise<T>) {
    const lambdaClient = new RecordingClient(lambda, OPERATOR_TOKEN);
    const localClient = new RecordingClient(local, OPERATOR_TOKEN);
    const lambdaResult = await scenario(lambdaClient);
    const localResult = await scenario(localClient);
    expectSameExchanges(lambdaClient.exchanges, localClient.exchanges);
    return { lambda: { client: lambdaClient, result: lambdaResult }, local: { client: localClient, result: localResult } };
  }

  /** Returns the last response a client received. */
  function lastResponse(client: RecordingClient): ApiResponse {
    const exchange = client.exchanges.at(-1);
    if (exchange === undefined) throw new Error(`the ${client.target.name} client sent no request`);
    return exchange.response;
  }

  beforeAll(async () => {
    // Inside the repository's node_modules, because Node.js resolves the modules the bundle leaves
    // external (PGlite, the drizzle adapters, the AWS SDK) by walking up from the bundle's folder.
    const cacheDir = join(PROJECT_ROOT, 'node_modules', '.cache');
    mkdirSync(cacheDir, { recursive: true });
    bundleDir = mkdtempSync(join(cacheDir, 'onsite-lambda-events-'));
    workDir = mkdtempSync(join(tmpdir(), 'onsite-lambda-events-'));
    const lambdaDataDir = join(workDir, 'lambda-pglite');
    const localDataDir = join(workDir, 'local-pglite');

    await Promise.all([build(esbuildOptionsFor(handlerEntryPath('api'), bundleDir)), migrateDataDir(lambdaDataDir)]);
    cpSync(join(PROJECT_ROOT, MIGRATIONS_DIR), join(bundleDir, 'migrations'), { recursive: true });
    // Creating a PGlite cluster runs initdb and takes several seconds, while reopening one is much
    // faster, so the local app starts from a copy of the migrated cluster instead of a new one.
    cpSync(lambdaDataDir, localDataDir, { recursive: true });

    restoreEnvironment = setEnvironment({
      DATABASE_DRIVER: 'pglite',
      PGLITE_DATA_DIR: lambdaDataDir,
      BLOB_STORE: 'fs',
      BLOB_DIR: join(workDir, 'lambda-blobs'),
      BLOB_SIGNING_SECRET,
      OPERATOR_TOKEN,
      PUBLIC_BASE_URL,
      MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES),
      LOG_LEVEL,
    });
    // NOTE: the handler keeps its runtime, and so its PGlite, for the life of the module, and has
    // no way to close it. This file therefore imports the bundle once, for one data directory.
    const bundled = (await import(pathToFileURL(join(bundleDir, 'index.mjs')).href)) as { handler: BundledApiHandler };
    lambda = lambdaTarget(bundled.handler);

    localRuntime = await createRuntime({
      database: { driver: 'pglite', dataDir: localDataDir },
      blobStore: { kind: 'fs', root: join(workDir, 'local-blobs'), signingSecret: BLOB_SIGNING_SECRET },
      publicBaseUrl: PUBLIC_BASE_URL,
      maxRequestBytes: MAX_REQUEST_BYTES,
      operatorToken: OPERATOR_TOKEN,
      logger: createLogger({ level: LOG_LEVEL }),
      migrate: false,
    });
    local = localTarget(localRuntime.app);
  });

  afterAll(async () => {
    restoreEnvironment?.();
    await localRuntime?.close();
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
    if (bundleDir !== undefined) rmSync(bundleDir, { recursive: true, force: true });
  });

  it('creates an organization through the operator route', async () => {
    const runs = await runOnBoth((client) => createOrganization(client, 'Institut Curie', 'hospital'));

    const response = lastResponse(runs.lambda.client);
    expect(response.status, response.text).toBe(201);
    expect(response.contentType).toBe('application/json');
    expect(response.json).toMatchObject({ organization: { name: 'Institut Curie', kind: 'hospital' }, ownerKey: { apiKey: { role: 'owner' } } });
    expect(runs.lambda.result.id).toMatch(/^org_[a-z2-7]{32}$/);
    expect(runs.lambda.result.ownerSecret).toMatch(/^onsk_/);
  });

  it('lists the projects of a seeded partnership', async () => {
    const runs = await runOnBoth(async (client) => {
      const project = await seedProject(client, 'Listing');
      await client.expectStatus('list projects', { method: 'GET', path: '/v1/projects', token: project.scientistSecret }, 200);
      return project;
    });

    const response = lastResponse(runs.lambda.client);
    expect(response.contentType).toBe('application/json');
    expect(response.json).toMatchObject({ items: [{ id: runs.lambda.result.projectId, partnershipId: runs.lambda.result.partnershipId, name: 'Relapse risk' }] });
  });

  it('claims nothing, then the task of a new job', async () => {
    const runs = await runOnBoth(async (client) => {
      const project = await seedProject(client, 'Claiming');
      const gateway = await enrolGateway(client, project.hospital.ownerSecret);
      await client.expectStatus('claim before any job', { method: 'POST', path: '/v1/tasks/claim', query: 'waitSeconds=0', token: gateway.credential }, 204);
      const idle = lastResponse(client);

      const modelId = await prepareModel(client, project, gateway);
      const job = await client.expectStatus<{ id: string }>(
        'create job',
        { method: 'POST', path: `/v1/projects/${project.projectId}/jobs`, token: project.scientistSecret, body: { kind: 'analytics', computation: 'kaplan_meier', modelId } },
        201,
      );
      await client.expectStatus('claim the job task', { method: 'POST', path: '/v1/tasks/claim', token: gateway.credential }, 200);

      return { idle, project, gateway, modelId, jobId: job.id };
    });

    const { idle, project, modelId, jobId } = runs.lambda.result;
    expect(idle.text).toBe('');
    expect(Number(idle.headers['retry-after'])).toBeGreaterThan(0);
    const claimed = lastResponse(runs.lambda.client);
    expect(claimed.contentType).toBe('application/json');
    expect(claimed.json).toMatchObject({ jobId, projectId: project.projectId, modelId, kind: 'analytics', computation: 'kaplan_meier', roundNumber: 1, attempt: 1 });
    expect(claimed.json).toHaveProperty('leaseToken', expect.any(String));
  });

  it.each([
    ['a request without credentials', { method: 'GET', path: '/v1/projects' }, 401, 'unauthenticated'],
    ['an invalid organization', { method: 'POST', path: '/v1/organizations', token: OPERATOR_TOKEN, body: { name: '', kind: 'castle' } }, 400, 'validation_failed'],
    ['a body that is not JSON', { method: 'POST', path: '/v1/organizations', token: OPERATOR_TOKEN, body: '{"name":', headers: { 'content-type': 'application/json' } }, 400, 'malformed_request'],
    ['an unknown route', { method: 'GET', path: '/v1/no-such-route', token: OPERATOR_TOKEN }, 404, 'not_found'],
  ] as const)('returns problem details for %s', async (_case, request, status, code) => {
    const runs = await runOnBoth((client) => client.send('failing request', request));

    const response = runs.lambda.result;
    expect(response.status, response.text).toBe(status);
    expect(response.contentType).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status, code, requestId: response.headers['x-request-id'] });
  });

  it('decodes a base64-encoded body', async () => {
    // A non-ASCII name shows the body is decoded as UTF-8 bytes, not only as base64 text.
    const body = { name: 'Hôpital Saint-Louis', kind: 'hospital' };
    const event = buildHttpApiEvent({ method: 'POST', path: '/v1/organizations', token: OPERATOR_TOKEN, body, base64Body: true });
    expect(event.isBase64Encoded).toBe(true);
    expect(event.body).toBe(Buffer.from(JSON.stringify(body), 'utf8').toString('base64'));

    const decoded = await lambda.invoke(event);
    const plain = await local.send({ method: 'POST', path: '/v1/organizations', token: OPERATOR_TOKEN, body });

    expect(decoded.statusCode, decoded.body).toBe(201);
    expect(JSON.parse(decoded.body)).toMatchObject({ organization: { name: 'Hôpital Saint-Louis', kind: 'hospital' } });
    expect(new VolatileValueMasker().mask(JSON.parse(decoded.body))).toEqual(new VolatileValueMasker().mask(plain.json));
  });

  it('generates or echoes the request id', async () => {
    const generated = await lambda.send({ method: 'GET', path: '/v1/projects' });
    const echoed = await lambda.send({ method: 'GET', path: '/v1/projects', headers: { 'x-request-id': 'gateway-trace-0001' } });

    expect(generated.headers['x-request-id']).toMatch(GENERATED_REQUEST_ID);
    expect(echoed.headers['x-request-id']).toBe('gateway-trace-0001');
  });
});
