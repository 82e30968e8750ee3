import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../../../test/support/database.js';
import { startTestApi, type TestApi } from '../../../../test/support/api-harness.js';
import { GBSG2_COLUMNS } from '../../../../test/support/seed-collaboration.js';


describe.each(databaseTargets())('dataset registration on %s', (target) => {
  let api: TestApi;
  let credential: string;
  let ownerSecret: string;

  beforeAll(async () => {
    api = await startTestApi(target);
    const hospital = await api.createOrganization('Dataset hospital');
    ownerSecret = hospital.ownerSecret;
    const created = await api.request('POST', '/v1/gateways', { token: ownerSecret, body: { name: 'gw' } });
    const { enrolment } = (await created.json()) as { enrolment: { token: string } };
    const publicKey = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const enrolled = await api.request('POST', '/v1/gateways/enroll', { body: { token: enrolment.token, publicKey, version: '0.1.0' } });
    credential = ((await enrolled.json()) as { credential: string }).credential;
  });

  afterAll(async () => {
    await api.close();
  });

  it('registers a description and shows it to the owning organization', async () => {
    const rowCount = readFileSync(new URL('../../../../../shared/data/gbsg2.csv', import.meta.url), 'utf8').trim().split('\n').length - 1;
    const response = await api.request('POST', '/v1/datasets', {
      token: credential,
      body: { name: 'GBSG2', description: 'German Breast Cancer Study Group 2', columns: GBSG2_COLUMNS, rowCount },
    });
    const dataset = (await response.json()) as { id: string; rowCount: number };
    expect(response.status, JSON.stringify(dataset)).toBe(201);
    expect(dataset.rowCount).toBe(686);

    const read = await api.request('GET', `/v1/datasets/${dataset.id}`, { token: ownerSecret });
    expect(read.status).toBe(200);

    const stranger = await api.createOrganization('Unrelated lab', 'research_lab');
    const hidden = await api.request('GET', `/v1/datasets/${dataset.id}`, { token: stranger.ownerSecret });
    expect(hidden.status).toBe(404);
  });

  const rows = Array.from({ length: 50 }, (_, index) => ({ age: 40 + index, time: 100 * index, cens: index % 2 }));

  it.each([
    ['rows as an array of records', { rows }, 'body.rows'],
    ['records under data', { data: rows }, 'body.data'],
    ['values inside a column', { columns: [{ name: 'age', type: 'integer', values: [1, 2, 3] }] }, 'body.columns.0'],
    ['a categorical column without levels', { columns: [{ name: 'horTh', type: 'categorical' }] }, 'body.columns.0.levels'],
    ['a duplicated column', { columns: [{ name: 'age', type: 'integer' }, { name: 'age', type: 'number' }] }, 'body.columns.1.name'],
    ['a negative row count', { rowCount: -1 }, 'body.rowCount'],
    ['a fractional row count', { rowCount: 10.5 }, 'body.rowCount'],
  ])('rejects %s and writes nothing', async (_case, override, path) => {
    const before = await api.request('GET', '/v1/datasets', { token: ownerSecret });
    const countBefore = ((await before.json()) as { items: unknown[] }).items.length;

    const response = await api.request('POST', '/v1/datasets', {
      token: credential,
      body: { name: `bad ${_case}`, columns: GBSG2_COLUMNS, rowCount: 10, ...override },
    });
    const problem = (await response.json()) as { status: number; errors?: Array<{ path: string }> };

    expect(response.status, JSON.stringify(problem)).toBe(400);
    expect(problem.errors?.map((error) => error.path).some((errorPath) => errorPath.startsWith(path))).toBe(true);

    const after = await api.request('GET', '/v1/datasets', { token: ownerSecret });
    expect(((await after.json()) as { items: unknown[] }).items.length).toBe(countBefore);
  });

  it('rejects a body far larger than a description before parsing it', async () => {
    const huge = { name: 'huge', columns: GBSG2_COLUMNS, rowCount: 1, description: 'x'.repeat(300 * 1024) };
    const response = await api.request('POST', '/v1/datasets', { token: credential, body: huge });
    expect(response.status).toBe(413);
  });

  it('rejects a user key on the gateway route', async () => {
    const response = await api.request('POST', '/v1/datasets', { token: ownerSecret, body: { name: 'x', columns: GBSG2_COLUMNS, rowCount: 1 } });
    expect(response.status).toBe(403);
  });
});
