import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../db/schema/index.js';
import { TEST_OPERATOR_TOKEN, startTestApi, type TestApi } from '../support/api-harness.js';
import { databaseTargets } from '../support/database.js';
import { fillPath, randomIdFor, readContract, sampleFromSchema, type ContractOperation } from './openapi-operations.js';
import { seedTenants, type SeededTenants } from './seed-tenants.js';

const ANY_ROLE = ROLES;
const MANAGERS: readonly Role[] = ['owner', 'admin'];
const EDITORS: readonly Role[] = ['owner', 'admin', 'data_scientist'];
const AUDITORS: readonly Role[] = ['owner', 'admin', 'data_officer'];

/**
 * Who may call each operation: user roles for API-key routes, else the credential kind. Every
 * operation in openapi.yaml must appear here, so a new route forces a decision about its access.
 * `body` replaces the sample built from the schema when zod refinements reject that sample.
 */
type Access = { roles: readonly Role[]; body?: unknown } | 'gateway' | 'operator' | 'none';

const EXPECTED_ACCESS: Record<string, Access> = {
  'organizations.create': 'operator',
  'organizations.getCurrent': { roles: ANY_ROLE },
  'organizations.updateCurrent': { roles: MANAGERS },
  'apiKeys.create': { roles: MANAGERS, body: { name: 'probe', role: 'viewer' } },
  'apiKeys.list': { roles: MANAGERS },
  'apiKeys.revoke': { roles: MANAGERS },
  'auditEvents.list': { roles: AUDITORS },
  'auditEvents.verify': { roles: AUDITORS },
  'partnerships.create': { roles: MANAGERS },
  'partnerships.list': { roles: ANY_ROLE },
  'partnerships.get': { roles: ANY_ROLE },
  'partnerships.accept': { roles: MANAGERS },
  'partnerships.decline': { roles: MANAGERS },
  'partnerships.end': { roles: MANAGERS },
  'projects.create': { roles: EDITORS },
  'projects.list': { roles: ANY_ROLE },
  'projects.get': { roles: ANY_ROLE },
  'projects.update': { roles: EDITORS, body: { description: 'probe' } },
  'gateways.create': { roles: MANAGERS },
  'gateways.list': { roles: ANY_ROLE },
  'gateways.get': { roles: ANY_ROLE },
  'gateways.revoke': { roles: MANAGERS },
  'gateways.createEnrolmentToken': { roles: MANAGERS, body: {} },
  'gateways.enroll': 'none',
  'gateways.getCurrent': 'gateway',
  'gateways.heartbeat': 'gateway',
  'datasets.register': 'gateway',
  'datasets.update': 'gateway',
  'datasets.list': { roles: ANY_ROLE },
  'datasets.get': { roles: ANY_ROLE },
  'datasetLinks.create': { roles: EDITORS },
  'datasetLinks.list': { roles: ANY_ROLE },
  'datasetLinks.get': { roles: ANY_ROLE },
  // The role check of approve, reject and revoke depends on the dataset's owner, so it happens
  // after the link is found; every role reaches it.
  'datasetLinks.approve': { roles: ANY_ROLE },
  'datasetLinks.reject': { roles: ANY_ROLE },
  'datasetLinks.revoke': { roles: ANY_ROLE },
  'models.create': { roles: EDITORS },
  'models.list': { roles: ANY_ROLE },
  'models.get': { roles: ANY_ROLE },
  'models.update': { roles: EDITORS, body: { name: 'probe' } },
  // Approval is the data officer's of each linked dataset's owner, checked once the model is found.
  'models.approve': { roles: ANY_ROLE },
  'models.revokeApproval': { roles: ANY_ROLE },
  'models.listVersions': { roles: ANY_ROLE },
  'models.getVersion': { roles: ANY_ROLE },
  'jobs.create': { roles: EDITORS },
  'jobs.list': { roles: ANY_ROLE },
  'jobs.get': { roles: ANY_ROLE },
  'jobs.cancel': { roles: EDITORS },
  'jobs.listRounds': { roles: ANY_ROLE },
  'jobs.getResults': { roles: ANY_ROLE },
  'tasks.claim': 'gateway',
  'tasks.heartbeat': 'gateway',
  'tasks.createUploadUrl': 'gateway',
  'tasks.completeUpload': 'gateway',
  'tasks.submitResult': 'gateway',
  'tasks.refuse': 'gateway',
  'tasks.retry': { roles: EDITORS },
};

const SCHEME_OF_ACCESS = { gateway: 'gatewayCredential', operator: 'operatorToken', none: 'none' } as const;

const { operations, schemas } = readContract();
const userOperations = operations.filter((operation) => operation.security === 'apiKey');
const gatewayOperations = operations.filter((operation) => operation.security === 'gatewayCredential');
const operatorOperations = operations.filter((operation) => operation.security === 'operatorToken');
const credentialedOperations = operations.filter((operation) => operation.security !== 'none');
const operationsWithPathIds = operations.filter((operation) => operation.pathParameters.length > 0);

interface Call {
  status: number;
  contentType: string | null;
  headerRequestId: string | null;
  text: string;
  body: Record<string, unknown>;
}

/** Prints the whole request and response when an assertion about it fails. */
function describeCall(operation: ContractOperation, call: Call): string {
  return `${operation.operationId} (${operation.method} ${operation.path}) returned ${call.status}: ${call.text}`;
}

describe.each(databaseTargets())('security of every operation on %s', (target) => {
  let api: TestApi;
  let seed: SeededTenants;

  beforeAll(async () => {
    api = await startTestApi(target);
    seed = await seedTenants(api);
  });

  afterAll(async () => {
    await api.close();
  });

  /** Path values for an operation: seeded ids where the suite has them, else well-formed random ids. */
  function pathValuesFor(operation: ContractOperation, source: 'seeded' | 'random'): { path: string; seededAll: boolean } {
    const values: Record<string, string> = {};
    let seededAll = true;
    for (const parameter of operation.pathParameters) {
      const seeded = seed.pathValues[parameter.name];
      if (seeded && source === 'seeded') values[parameter.name] = seeded;
      else {
        values[parameter.name] = randomIdFor(parameter.pattern);
        seededAll = false;
      }
    }
    return { path: fillPath(operation.path, values), seededAll };
  }

  function bodyFor(operation: ContractOperation): unknown {
    const access = EXPECTED_ACCESS[operation.operationId];
    if (typeof access === 'object' && 'body' in access) return access.body;
    return operation.bodySchema ? sampleFromSchema(operation.bodySchema, schemas) : undefined;
  }

  async function call(operation: ContractOperation, options: { authorization?: string; path?: string } = {}): Promise<Call> {
    const path = options.path ?? pathValuesFor(operation, 'seeded').path;
    const body = bodyFor(operation);
    const response = await api.request(operation.method, path, {
      headers: options.authorization === undefined ? {} : { authorization: options.authorization },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Left empty: expectProblem reports the raw text.
    }
    return { status: response.status, contentType: response.headers.get('content-type'), headerRequestId: response.headers.get('x-request-id'), text, body: parsed };
  }

  /** Asserts a failing response is a problem with the status and code, carries its request id, and leaks no secret. */
  function expectProblem(operation: ContractOperation, result: Call, status: number, code: string): void {
    const context = describeCall(operation, result);
    expect(result.status, context).toBe(status);
    expect(result.contentType, context).toContain('application/problem+json');
    expect(result.body.code, context).toBe(code);
    expect(result.body.status, context).toBe(status);
    expect(result.body.requestId, context).toBe(result.headerRequestId);
    for (const secret of seed.secrets) expect(result.text.includes(secret), `${context}\ncontains a seeded secret`).toBe(false);
  }

  it('lists every operation in the access table', () => {
    const missing = operations.map((operation) => operation.operationId).filter((operationId) => !(operationId in EXPECTED_ACCESS));
    const stale = Object.keys(EXPECTED_ACCESS).filter((operationId) => !operations.some((operation) => operation.operationId === operationId));

    expect(missing, 'add these operations to EXPECTED_ACCESS in test/security/security.test.ts').toEqual([]);
    expect(stale, 'remove these operations from EXPECTED_ACCESS: openapi.yaml no longer has them').toEqual([]);
  });

  it.each(operations.map((operation) => [operation.operationId, operation] as const))('%s declares the scheme of its access', (_id, operation) => {
    const access = EXPECTED_ACCESS[operation.operationId];
    const expectedScheme = typeof access === 'string' ? SCHEME_OF_ACCESS[access] : 'apiKey';
    expect(operation.security).toBe(expectedScheme);
  });

  it.each(credentialedOperations.map((operation) => [operation.operationId, operation] as const))('%s rejects a missing credential', async (_id, operation) => {
    expectProblem(operation, await call(operation), 401, 'unauthenticated');
  });

  it.each(operations.map((operation) => [operation.operationId, operation] as const))('%s rejects malformed and unknown credentials', async (_id, operation) => {
    const authorizations = [
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer two words',
      'Bearer onsk_unknown0000000000000000000000000000000000000',
      'Bearer ongw_unknown0000000000000000000000000000000000000',
      'Bearer not-a-known-secret',
    ];
    for (const authorization of authorizations) {
      expectProblem(operation, await call(operation, { authorization }), 401, 'unauthenticated');
    }
  });

  it.each(operations.map((operation) => [operation.operationId, operation] as const))('%s rejects revoked credentials', async (_id, operation) => {
    for (const secret of [seed.revokedKey, seed.revokedGatewayCredential]) {
      expectProblem(operation, await call(operation, { authorization: `Bearer ${secret}` }), 401, 'unauthenticated');
    }
  });

  it.each(userOperations.map((operation) => [operation.operationId, operation] as const))('%s forbids gateway and operator credentials', async (_id, operation) => {
    for (const secret of [seed.gatewayCredential, TEST_OPERATOR_TOKEN]) {
      expectProblem(operation, await call(operation, { authorization: `Bearer ${secret}` }), 403, 'forbidden');
    }
  });

  it.each(gatewayOperations.map((operation) => [operation.operationId, operation] as const))('%s forbids API keys and the operator', async (_id, operation) => {
    for (const secret of [seed.hospitalKeys.owner, TEST_OPERATOR_TOKEN]) {
      expectProblem(operation, await call(operation, { authorization: `Bearer ${secret}` }), 403, 'forbidden');
    }
  });

  it.each(operatorOperations.map((operation) => [operation.operationId, operation] as const))('%s forbids API keys and gateways', async (_id, operation) => {
    for (const secret of [seed.hospitalKeys.owner, seed.gatewayCredential]) {
      expectProblem(operation, await call(operation, { authorization: `Bearer ${secret}` }), 403, 'forbidden');
    }
  });

  it.each(operationsWithPathIds.map((operation) => [operation.operationId, operation] as const))('%s hides other tenants like missing ids', async (_id, operation) => {
    const access = EXPECTED_ACCESS[operation.operationId];
    const seeded = pathValuesFor(operation, 'seeded');
    const random = pathValuesFor(operation, 'random');

    // An operation whose ids the suite cannot seed yet must return 404 even to the owner.
    if (!seeded.seededAll) {
      const token = typeof access === 'object' ? seed.hospitalKeys[access.roles[0] ?? 'owner'] : seed.gatewayCredential;
      expectProblem(operation, await call(operation, { authorization: `Bearer ${token}`, path: seeded.path }), 404, 'not_found');
      return;
    }

    // The outsider uses a role the operation allows, so a 404 cannot come from a role check.
    const outsiderToken = typeof access === 'object' ? seed.outsiderKeys[access.roles[0] ?? 'owner'] : undefined;
    if (!outsiderToken) throw new Error(`${operation.operationId} takes seeded ids but has no user roles; give the outsider a credential of that kind`);
    const hidden = await call(operation, { authorization: `Bearer ${outsiderToken}`, path: seeded.path });
    const missing = await call(operation, { authorization: `Bearer ${outsiderToken}`, path: random.path });

    expectProblem(operation, hidden, 404, 'not_found');
    expectProblem(operation, missing, 404, 'not_found');
    for (const text of seed.privateTexts) expect(hidden.text.includes(text), `${describeCall(operation, hidden)}\nleaks "${text}"`).toBe(false);

    const shape = (result: Call, path: string) => ({
      ...result.body,
      requestId: 'ignored',
      detail: String(result.body.detail).replaceAll(/[a-z]+_[a-z2-7]{32}/g, (id) => (path.includes(id) ? 'ID' : id)),
    });
    expect(shape(hidden, seeded.path)).toEqual(shape(missing, random.path));
  });

  // Runs last: probing with every role performs the operations (it ends the partnership, revokes
  // the spare key), which the checks above must not see.
  it.each(userOperations.map((operation) => [operation.operationId, operation] as const))('%s allows exactly its roles', async (_id, operation) => {
    const access = EXPECTED_ACCESS[operation.operationId];
    if (typeof access !== 'object') throw new Error(`${operation.operationId} uses an API key but EXPECTED_ACCESS gives it no roles`);

    const allowed: Role[] = [];
    for (const role of ROLES) {
      const result = await call(operation, { authorization: `Bearer ${seed.hospitalKeys[role]}` });
      if (result.status === 403) {
        expectProblem(operation, result, 403, 'forbidden');
        expect(String(result.body.detail), describeCall(operation, result)).toContain(role);
      } else {
        expect(result.status, `${describeCall(operation, result)}\nthe probe body must be valid so the role check is reached; set body in EXPECTED_ACCESS`).not.toBe(400);
        allowed.push(role);
      }
    }

    expect(allowed).toEqual([...access.roles]);
  });
});
