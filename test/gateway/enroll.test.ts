import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRegisterWithCloud } from '../../gateway/src/cloud/register-dataset.js';
import { runCli } from '../../gateway/src/program.js';
import { readConfig, statePaths } from '../../gateway/src/state/index.js';
import { databaseTargets } from '../support/database.js';
import { readAuditEntries } from './support/federation.js';
import { GBSG2_SITE_FILES } from './support/gbsg2.js';
import { startLoopbackApi, type LoopbackApi } from './support/loopback-api.js';

/** Runs the CLI as a hospital's IT would, with the cloud registration hook of the real entry point. */
async function cli(stateDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['node', 'onsite-gateway', '--state', stateDir, ...args], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    registerWithCloud: createRegisterWithCloud(),
  });
  return { code, stdout, stderr };
}

describe.each(databaseTargets())('onsite-gateway enroll on %s', (target) => {
  let api: LoopbackApi;
  let hospital: { id: string; ownerSecret: string };
  const folders: string[] = [];

  beforeAll(async () => {
    api = await startLoopbackApi(target);
    hospital = await api.createOrganization('Enrolling hospital');
  });

  afterAll(async () => {
    await api.close();
    folders.forEach((folder) => rmSync(folder, { recursive: true, force: true }));
  });

  function stateFolder(): string {
    const folder = mkdtempSync(join(tmpdir(), 'onsite-enroll-'));
    folders.push(folder);
    return folder;
  }

  async function enrolmentToken(): Promise<{ gatewayId: string; token: string }> {
    const response = await api.request('POST', '/v1/gateways', { token: hospital.ownerSecret, body: { name: 'Oncology gateway' } });
    const body = (await response.json()) as { gateway: { id: string }; enrolment: { token: string } };
    if (response.status !== 201) throw new Error(`creating a gateway failed: ${response.status} ${JSON.stringify(body)}`);
    return { gatewayId: body.gateway.id, token: body.enrolment.token };
  }

  it('stores the credential privately and reports capabilities', async () => {
    const stateDir = stateFolder();
    const { gatewayId, token } = await enrolmentToken();

    const result = await cli(stateDir, ['enroll', '--api', api.baseUrl, '--token', token]);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Enrolled as gateway ${gatewayId}`);
    expect(result.stdout).not.toContain('ongw_');
    const config = await readConfig(stateDir);
    expect(config).toMatchObject({ apiUrl: api.baseUrl, gatewayId });
    expect(config.credential).toMatch(/^ongw_/);
    expect(statSync(statePaths(stateDir).config).mode & 0o777).toBe(0o600);
    expect(statSync(statePaths(stateDir).privateKey).mode & 0o777).toBe(0o600);
    const audit = await readAuditEntries(stateDir);
    expect(audit.map((entry) => entry.type)).toEqual(['gateway.enrolled']);
    expect(JSON.stringify(audit)).not.toContain(config.credential!);

    const cloud = await api.request('GET', `/v1/gateways/${gatewayId}`, { token: hospital.ownerSecret });
    const gateway = (await cloud.json()) as { state: string; version: string; capabilities: { computations: string[]; onnxruntimeWeb: string } };
    expect(gateway.version).toBe('0.1.0');
    expect(gateway.capabilities.computations).toContain('cox_newton');
    expect(gateway.capabilities.onnxruntimeWeb).toBe('1.31.1');
  });

  it('registers added datasets in the cloud as metadata only', async () => {
    const stateDir = stateFolder();
    const { token } = await enrolmentToken();
    await cli(stateDir, ['enroll', '--api', api.baseUrl, '--token', token]);
    await cli(stateDir, ['policy', 'set', 'roundCountsTo=10']);

    const added = await cli(stateDir, ['dataset', 'add', GBSG2_SITE_FILES[1]!, '--name', 'gbsg2-site2', '--json']);

    expect(added.code, added.stderr).toBe(0);
    const record = JSON.parse(added.stdout) as { cloudId: string };
    const response = await api.request('GET', `/v1/datasets/${record.cloudId}`, { token: hospital.ownerSecret });
    const dataset = (await response.json()) as { name: string; rowCount: number; columns: { name: string; type: string }[] };
    expect(response.status, JSON.stringify(dataset)).toBe(200);
    expect(dataset.name).toBe('gbsg2-site2');
    // 229 rows, rounded to the policy's multiple of 10.
    expect(dataset.rowCount).toBe(230);
    expect(dataset.columns.map((column) => column.name)).toEqual(['time', 'event', 'horTh_yes', 'age', 'menostat_Post', 'tsize', 'tgrade_II', 'tgrade_III', 'pnodes', 'progrec', 'estrec']);
  });

  it.each([
    {
      name: 'a used token',
      prepare: async (stateDir: string) => {
        const { token } = await enrolmentToken();
        await cli(stateFolder(), ['enroll', '--api', api.baseUrl, '--token', token]);
        return { stateDir, token };
      },
      message: /410/,
    },
    {
      name: 'a folder already enrolled',
      prepare: async (stateDir: string) => {
        await cli(stateDir, ['enroll', '--api', api.baseUrl, '--token', (await enrolmentToken()).token]);
        return { stateDir, token: (await enrolmentToken()).token };
      },
      message: /already enrolled as gateway gtw_/,
    },
    {
      name: 'an API URL that is not a URL',
      prepare: async (stateDir: string) => ({ stateDir, token: (await enrolmentToken()).token, api: 'api.onsite' }),
      message: /--api "api.onsite" is not a URL/,
    },
  ])('rejects $name', async ({ prepare, message }) => {
    const { stateDir, token, api: apiUrl }: { stateDir: string; token: string; api?: string } = await prepare(stateFolder());

    const result = await cli(stateDir, ['enroll', '--api', apiUrl ?? api.baseUrl, '--token', token]);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  });

  it('asks for enrolment when registering from an unenrolled folder', async () => {
    const stateDir = stateFolder();

    const added = await cli(stateDir, ['dataset', 'add', GBSG2_SITE_FILES[2]!, '--name', 'local-only']);

    expect(added.code).toBe(1);
    expect(added.stderr).toMatch(/stored locally as lds_[0-9a-f]{16}, but registering it with the cloud failed: this gateway is not enrolled/);
  });

  it('registers a dataset again after a failed registration', async () => {
    const stateDir = stateFolder();
    const added = await cli(stateDir, ['dataset', 'add', GBSG2_SITE_FILES[0]!, '--name', 'retry-me']);
    expect(added.code).toBe(1);
    expect(added.stderr).toMatch(/Retry with "onsite-gateway dataset register lds_/);

    await cli(stateDir, ['enroll', '--api', api.baseUrl, '--token', (await enrolmentToken()).token]);
    const registered = await cli(stateDir, ['dataset', 'register', 'retry-me', '--json']);
    const again = await cli(stateDir, ['dataset', 'register', 'retry-me']);

    expect(registered.code, registered.stderr).toBe(0);
    const record = JSON.parse(registered.stdout) as { cloudId: string };
    expect((await api.request('GET', `/v1/datasets/${record.cloudId}`, { token: hospital.ownerSecret })).status).toBe(200);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already registered in the cloud as dst_/);
  });
});
