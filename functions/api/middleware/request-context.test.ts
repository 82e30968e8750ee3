import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../logging/logger.js';
import { startTestApi, type TestApi } from '../../../test/support/api-harness.js';

describe('request log', () => {
  let api: TestApi;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    api = await startTestApi('pglite');
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    api.runtime.deps.logger = createLogger({ level: 'info', destination: sink });
  });

  afterAll(async () => {
    await api.close();
  });

  it('names the operation, organization and request id without the secret', async () => {
    const organization = await api.createOrganization('Logged hospital');
    lines.length = 0;

    const response = await api.request('GET', '/v1/api-keys', { token: organization.ownerSecret });
    const line = lines.find((entry) => entry.msg === 'request completed');

    expect(response.status).toBe(200);
    expect(line).toMatchObject({
      operationId: 'apiKeys.list',
      organizationId: organization.id,
      requestId: response.headers.get('x-request-id'),
      status: 200,
    });
    expect(JSON.stringify(lines)).not.toContain(organization.ownerSecret);
  });
});
