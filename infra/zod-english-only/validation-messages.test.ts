// The Lambda bundles replace `zod` with a module that exports zod with only its English locale
// (ZOD_ALIAS_TARGET in ../bundling.ts). These tests send invalid requests to the bundled API
// handler and to the unbundled app and check that both return the same problem details, with
// zod's English messages.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { openDatabase } from '../../db/client.js';
import { TEST_OPERATOR_TOKEN, startTestApi, type TestApi } from '../../test/support/api-harness.js';
import { lambdaTarget, localTarget, type ApiRequest, type ApiResponse, type ApiTarget, type BundledApiHandler } from '../../test/lambda/support/api-targets.js';
import { PROJECT_ROOT, esbuildOptionsFor } from '../bundling.js';
import { handlerEntryPath } from '../handlers.js';

const LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';

interface FieldError {
  path: string;
  message: string;
}

/** Writes a migrated PGlite cluster into `dataDir`, from the test run's snapshot when there is one. */
async function prepareDataDir(dataDir: string): Promise<void> {
  const snapshotPath = inject('pgliteSnapshotPath');
  const snapshot = snapshotPath ? new Blob([readFileSync(snapshotPath)]) : undefined;
  const database = await openDatabase({ driver: 'pglite', dataDir, ...(snapshot ? { snapshot } : {}) });
  try {
    // A no-op on the snapshot, which is already migrated.
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

/** Creates an organization through the operator route and returns its owner key's secret. */
async function createOwnerSecret(target: ApiTarget): Promise<string> {
  const response = await target.send({ method: 'POST', path: '/v1/organizations', token: TEST_OPERATOR_TOKEN, body: { name: 'Zod messages', kind: 'hospital' } });
  const secret = (response.json as { ownerKey?: { secret?: string } } | null)?.ownerKey?.secret;
  if (response.status !== 201 || secret === undefined) {
    throw new Error(`creating an organization on the ${target.name} target failed: ${response.status} ${response.text}`);
  }

  return secret;
}

/** Returns the status, content type and problem details of a response, without the request id, which differs on every request. */
function comparableProblem(response: ApiResponse): unknown {
  const { requestId: _requestId, ...problem } = (response.json ?? {}) as Record<string, unknown>;
  return { status: response.status, contentType: response.contentType, problem };
}

describe('API bundle validation messages', () => {
  let bundleDir: string;
  let workDir: string;
  let restoreEnvironment: (() => void) | undefined;
  let localApi: TestApi | undefined;
  let lambda: ApiTarget;
  let local: ApiTarget;
  let ownerSecrets: Record<'lambda' | 'local', string>;

  beforeAll(async () => {
    // Inside the repository's node_modules, because Node.js resolves the modules the bundle leaves
    // external (PGlite, the drizzle adapters, the AWS SDK) by walking up from the bundle's folder.
    const cacheDir = join(PROJECT_ROOT, 'node_modules', '.cache');
    mkdirSync(cacheDir, { recursive: true });
    bundleDir = mkdtempSync(join(cacheDir, 'onsite-zod-messages-'));
    workDir = mkdtempSync(join(tmpdir(), 'onsite-zod-messages-'));
    const dataDir = join(workDir, 'pglite');

    await Promise.all([build(esbuildOptionsFor(handlerEntryPath('api'), bundleDir)), prepareDataDir(dataDir)]);

    restoreEnvironment = setEnvironment({
      DATABASE_DRIVER: 'pglite',
      PGLITE_DATA_DIR: dataDir,
      BLOB_STORE: 'fs',
      BLOB_DIR: join(workDir, 'blobs'),
      BLOB_SIGNING_SECRET: 'zod-messages-blob-signing-secret-0123456789abcdef',
      OPERATOR_TOKEN: TEST_OPERATOR_TOKEN,
      PUBLIC_BASE_URL: 'http://127.0.0.1:8787',
      MAX_REQUEST_BYTES: String(1024 * 1024),
      LOG_LEVEL,
    });
    // NOTE: the handler keeps its runtime, and so its PGlite, for the life of the module, and has
    // no way to close it. This file therefore imports the bundle once.
    const bundled = (await import(pathToFileURL(join(bundleDir, 'index.mjs')).href)) as { handler: BundledApiHandler };
    lambda = lambdaTarget(bundled.handler);

    localApi = await startTestApi('pglite');
    local = localTarget(localApi.runtime.app);

    ownerSecrets = { lambda: await createOwnerSecret(lambda), local: await createOwnerSecret(local) };
  });

  afterAll(async () => {
    restoreEnvironment?.();
    await localApi?.close();
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
    if (bundleDir !== undefined) rmSync(bundleDir, { recursive: true, force: true });
  });

  it.each<[string, unknown, FieldError[]]>([
    [
      'an empty name and an unknown kind',
      { name: '', kind: 'castle' },
      [
        { path: 'body.name', message: 'Too small: expected string to have >=1 characters' },
        { path: 'body.kind', message: 'Invalid option: expected one of "hospital"|"research_lab"|"company", received "castle"' },
      ],
    ],
    ['a number as name', { name: 42, kind: 'hospital' }, [{ path: 'body.name', message: 'Invalid input: expected string, received number' }]],
    ['a name of 201 characters', { name: 'x'.repeat(201), kind: 'hospital' }, [{ path: 'body.name', message: 'Too big: expected string to have <=200 characters' }]],
    ['null as owner key name', { name: 'A', kind: 'hospital', ownerKeyName: null }, [{ path: 'body.ownerKeyName', message: 'Invalid input: expected string, received null' }]],
    ['an array as body', [], [{ path: 'body', message: 'Invalid input: expected object, received array' }]],
  ])('rejects a body with %s in English', async (_case, body, expectedErrors) => {
    const request: ApiRequest = { method: 'POST', path: '/v1/organizations', token: TEST_OPERATOR_TOKEN, body };

    const bundledResponse = await lambda.send(request);
    const localResponse = await local.send(request);

    expect(bundledResponse.status, bundledResponse.text).toBe(400);
    expect((bundledResponse.json as { errors?: unknown } | null)?.errors, bundledResponse.text).toEqual(expectedErrors);
    expect(comparableProblem(bundledResponse), `bundled ${bundledResponse.text}\nlocal ${localResponse.text}`).toEqual(comparableProblem(localResponse));
  });

  it.each<[string, string, FieldError[]]>([
    ['0', 'limit=0', [{ path: 'query.limit', message: 'Too small: expected number to be >=1' }]],
    ['1.5', 'limit=1.5', [{ path: 'query.limit', message: 'Invalid input: expected int, received number' }]],
    ['abc', 'limit=abc', [{ path: 'query.limit', message: 'Invalid input: expected number, received NaN' }]],
    ['100000', 'limit=100000', [{ path: 'query.limit', message: 'Too big: expected number to be <=200' }]],
  ])('rejects page limit %s in English', async (_case, query, expectedErrors) => {
    const bundledResponse = await lambda.send({ method: 'GET', path: '/v1/audit-events', query, token: ownerSecrets.lambda });
    const localResponse = await local.send({ method: 'GET', path: '/v1/audit-events', query, token: ownerSecrets.local });

    expect(bundledResponse.status, bundledResponse.text).toBe(400);
    expect((bundledResponse.json as { errors?: unknown } | null)?.errors, bundledResponse.text).toEqual(expectedErrors);
    expect(comparableProblem(bundledResponse), `bundled ${bundledResponse.text}\nlocal ${localResponse.text}`).toEqual(comparableProblem(localResponse));
  });
});
