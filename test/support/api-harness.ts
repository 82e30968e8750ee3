import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../functions/logging/logger.js';
import { createRuntime, type Runtime } from '../../functions/runtime/create-runtime.js';
import { openTestDatabase, type DatabaseTarget, type TestDatabase } from './database.js';

export const TEST_OPERATOR_TOKEN = 'test-operator-token-0123456789abcdef';

export interface TestApi {
  runtime: Runtime;
  database: TestDatabase;
  /** Sends a request to the in-process app; `token` becomes a Bearer header, `body` JSON. */
  request(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  /** Creates an organization through the operator route and returns it with its owner secret. */
  createOrganization(name: string, kind?: 'hospital' | 'research_lab' | 'company'): Promise<{ id: string; ownerSecret: string }>;
  /** Creates an API key of a role with an owner's secret. */
  createApiKey(ownerSecret: string, role: string, name?: string): Promise<{ id: string; secret: string }>;
  close(): Promise<void>;
}

/**
 * Starts the real app in-process on one database target, with a filesystem blob store in a temp
 * folder. One per test file: PGlite takes seconds to start, and tests seed their own tenants.
 */
export async function startTestApi(target: DatabaseTarget, options: { publicBaseUrl?: string } = {}): Promise<TestApi> {
  const database = await openTestDatabase(target);
  const blobRoot = mkdtempSync(join(tmpdir(), 'onsite-blobs-'));
  const runtime = await createRuntime({
    database: { driver: 'pglite' },
    blobStore: { kind: 'fs', root: blobRoot },
    publicBaseUrl: options.publicBaseUrl ?? 'http://127.0.0.1:8787',
    maxRequestBytes: 1024 * 1024,
    operatorToken: TEST_OPERATOR_TOKEN,
    logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    migrate: false,
    existingDatabase: database,
  });

  const request: TestApi['request'] = (method, path, requestOptions = {}) => {
    const headers: Record<string, string> = { ...requestOptions.headers };
    if (requestOptions.token) headers.authorization = `Bearer ${requestOptions.token}`;
    let body: string | undefined;
    if (requestOptions.body !== undefined) {
      body = typeof requestOptions.body === 'string' ? requestOptions.body : JSON.stringify(requestOptions.body);
      headers['content-type'] ??= 'application/json';
    }
    return Promise.resolve(runtime.app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) }));
  };

  return {
    runtime,
    database,
    request,
    async createOrganization(name, kind = 'hospital') {
      const response = await request('POST', '/v1/organizations', { token: TEST_OPERATOR_TOKEN, body: { name, kind } });
      const body = (await response.json()) as { organization: { id: string }; ownerKey: { secret: string } };
      if (response.status !== 201) throw new Error(`creating organization ${name} failed: ${response.status} ${JSON.stringify(body)}`);
      return { id: body.organization.id, ownerSecret: body.ownerKey.secret };
    },
    async createApiKey(ownerSecret, role, name = role) {
      const response = await request('POST', '/v1/api-keys', { token: ownerSecret, body: { name, role } });
      const body = (await response.json()) as { apiKey: { id: string }; secret: string };
      if (response.status !== 201) throw new Error(`creating ${role} key failed: ${response.status} ${JSON.stringify(body)}`);
      return { id: body.apiKey.id, secret: body.secret };
    },
    async close() {
      await database.close();
      rmSync(blobRoot, { recursive: true, force: true });
    },
  };
}
