import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../../test/support/api-harness.js';
import { ApiProblemError, CloudUnreachableError, createApiClient, dataOrThrow } from './api-client.js';

describe('cloud API client', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi('pglite');
  });

  afterAll(async () => {
    await api.close();
  });

  function clientWith(token: string) {
    return createApiClient({
      baseUrl: 'http://127.0.0.1:8787/',
      token,
      fetch: async (request) => api.runtime.app.request(request),
    });
  }

  it('sends the bearer token and returns typed data', async () => {
    const organization = await api.createOrganization('Client hospital');

    const current = dataOrThrow(await clientWith(organization.ownerSecret).GET('/v1/organization'));

    expect(current.id).toBe(organization.id);
    expect(current.name).toBe('Client hospital');
  });

  it('throws a problem error for an unknown credential', async () => {
    const client = clientWith('onsk_unknown-secret-for-the-client-test');

    const failure = await client.GET('/v1/organization').then(dataOrThrow).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ApiProblemError);
    const problem = failure as ApiProblemError;
    expect(problem.status).toBe(401);
    expect(problem.code).toBe('unauthenticated');
    expect(problem.requestId).toMatch(/^req_/);
    expect(problem.message).toContain('unknown or revoked');
  });

  it('carries every invalid field of a validation problem', async () => {
    const organization = await api.createOrganization('Client validation');
    const client = clientWith(organization.ownerSecret);

    const failure = await client
      .POST('/v1/partnerships', { body: { purpose: '', endsOn: 'tomorrow', invitedOrganizationIds: [] } })
      .then(dataOrThrow)
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ApiProblemError);
    const problem = failure as ApiProblemError;
    expect(problem.status).toBe(400);
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors.map((error) => error.path).sort()).toEqual(['body.endsOn', 'body.invitedOrganizationIds', 'body.purpose']);
  });

  it('reports a non-problem failure as an unexpected response', async () => {
    const client = createApiClient({
      baseUrl: 'http://127.0.0.1:8787',
      token: 'onsk_any',
      fetch: async () => new Response('<html>bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html', 'x-request-id': 'req_from_proxy' } }),
    });

    const failure = (await client.GET('/v1/organization').then(dataOrThrow).catch((error: unknown) => error)) as ApiProblemError;

    expect(failure).toBeInstanceOf(ApiProblemError);
    expect(failure.status).toBe(502);
    expect(failure.code).toBe('unexpected_response');
    expect(failure.requestId).toBe('req_from_proxy');
  });
});

describe('unreachable cloud', () => {
  it('names the address and the system error', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8999'), { code: 'ECONNREFUSED' }) });
    const client = createApiClient({ baseUrl: 'http://127.0.0.1:8999', token: 'ongw_x', fetch: () => Promise.reject(refused) });

    const failure = await client.GET('/v1/gateway').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CloudUnreachableError);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as Error).message).toBe('could not reach the Onsite API at http://127.0.0.1:8999 (ECONNREFUSED); check the API URL and the network');
  });
});
