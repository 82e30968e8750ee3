import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeEach, describe, expect, it } from 'vitest';

import { writeFileAtomic } from './atomic-write.js';
import { readConfig, StateFileError, updateConfig } from './config.js';
import { addDataset, findDataset, listDatasets, setDatasetCloudId, type NewDatasetRecord } from './datasets.js';
import { readRuntimeStatus, updateRuntimeStatus } from './runtime-status.js';
import { ensureStateDir, resolveStateDir, statePaths } from './state-dir.js';

let stateDir: string;

beforeEach(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'onsite-state-'));
  await ensureStateDir(stateDir);
});

describe('resolveStateDir', () => {
  it.each([
    { case: 'the --state option first', option: '/srv/a', env: { ONSITE_GATEWAY_STATE: '/srv/b' }, expected: '/srv/a' },
    { case: 'the environment next', option: undefined, env: { ONSITE_GATEWAY_STATE: '/srv/b' }, expected: '/srv/b' },
    { case: 'the home folder last', option: undefined, env: {}, expected: '/home/op/.onsite-gateway' },
    { case: 'the home folder for an empty variable', option: undefined, env: { ONSITE_GATEWAY_STATE: '' }, expected: '/home/op/.onsite-gateway' },
  ])('takes $case', ({ option, env, expected }) => {
    expect(resolveStateDir(option, env, '/home/op')).toBe(expected);
  });
});

describe('writeFileAtomic', () => {
  it('replaces content and leaves no temporary file', async () => {
    const path = join(stateDir, 'file.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two');

    expect(readdirSync(stateDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});

describe('gateway config', () => {
  it('returns defaults before anything is stored', async () => {
    await expect(readConfig(stateDir)).resolves.toEqual({ logLevel: 'info' });
  });

  it('stores a partial update', async () => {
    await updateConfig(stateDir, { apiUrl: 'https://api.onsite.example', gatewayId: 'gw_1' });
    await updateConfig(stateDir, { logLevel: 'debug' });

    await expect(readConfig(stateDir)).resolves.toEqual({
      apiUrl: 'https://api.onsite.example',
      gatewayId: 'gw_1',
      logLevel: 'debug',
    });
  });

  it.each([
    { case: 'plain http to another host', apiUrl: 'http://api.onsite.example' },
    { case: 'a string that is not a URL', apiUrl: 'onsite' },
  ])('rejects $case as the API URL', async ({ apiUrl }) => {
    await expect(updateConfig(stateDir, { apiUrl })).rejects.toThrow();
  });

  it('accepts plain http to localhost', async () => {
    await expect(updateConfig(stateDir, { apiUrl: 'http://127.0.0.1:8787' })).resolves.toMatchObject({
      apiUrl: 'http://127.0.0.1:8787',
    });
  });

  it('names the file and field of an invalid config', async () => {
    writeFileSync(statePaths(stateDir).config, JSON.stringify({ logLevel: 'loud' }));

    await expect(readConfig(stateDir)).rejects.toThrow(StateFileError);
    await expect(readConfig(stateDir)).rejects.toThrow(`${statePaths(stateDir).config} is invalid: logLevel:`);
  });
});

describe('dataset registry', () => {
  const dataset: NewDatasetRecord = {
    name: 'gbsg2',
    filePath: '/data/gbsg2.csv',
    format: 'csv',
    fileSha256: 'a'.repeat(64),
    schema: [{ name: 'age', type: 'integer', source: 'inferred' }],
    counts: { rowCount: 686, columns: [{ name: 'age', nonMissing: 686 }] },
  };

  it('adds, lists and finds datasets', async () => {
    const added = await addDataset(stateDir, dataset, new Date('2026-03-01T10:00:00Z'));

    expect(added.localId).toMatch(/^lds_[0-9a-f]{16}$/);
    await expect(listDatasets(stateDir)).resolves.toEqual([added]);
    await expect(findDataset(stateDir, 'gbsg2')).resolves.toEqual(added);
    await expect(findDataset(stateDir, added.localId)).resolves.toEqual(added);
  });

  it('rejects a second dataset with the same name', async () => {
    await addDataset(stateDir, dataset);

    await expect(addDataset(stateDir, dataset)).rejects.toThrow('a dataset named "gbsg2" already exists');
  });

  it('records the cloud id', async () => {
    const added = await addDataset(stateDir, dataset);

    const updated = await setDatasetCloudId(stateDir, added.localId, 'ds_42', new Date('2026-03-02T00:00:00Z'));

    expect(updated).toMatchObject({ cloudId: 'ds_42', cloudRegisteredAt: '2026-03-02T00:00:00.000Z' });
    await expect(findDataset(stateDir, 'ds_42')).resolves.toEqual(updated);
  });
});

describe('runtime status', () => {
  it('starts empty and keeps updates', async () => {
    await expect(readRuntimeStatus(stateDir)).resolves.toEqual({ tasksInProgress: [] });

    await updateRuntimeStatus(stateDir, (status) => ({ ...status, lastContactAt: '2026-03-01T10:00:00.000Z' }));
    const status = await updateRuntimeStatus(
      stateDir,
      (current) => ({
        ...current,
        tasksInProgress: [{ taskId: 'tsk_1', phase: 'training', startedAt: '2026-03-01T10:00:01.000Z' }],
      }),
      new Date('2026-03-01T10:00:02Z'),
    );

    expect(status).toEqual({
      lastContactAt: '2026-03-01T10:00:00.000Z',
      tasksInProgress: [{ taskId: 'tsk_1', phase: 'training', startedAt: '2026-03-01T10:00:01.000Z' }],
      updatedAt: '2026-03-01T10:00:02.000Z',
    });
    await expect(readRuntimeStatus(stateDir)).resolves.toEqual(status);
  });
});
