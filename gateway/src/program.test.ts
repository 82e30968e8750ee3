import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { beforeEach, describe, expect, it } from 'vitest';

import { createOutput, formatTable } from './commands/output.js';
import { COMMAND_REGISTRATIONS, runCli, type CliDependencies, type CommandRegistration } from './program.js';
import { findDataset, verifyAuditLog } from './state/index.js';

const GBSG2_CSV = fileURLToPath(new URL('../../../shared/data/gbsg2.csv', import.meta.url));

function createStream(isTTY = false) {
  const chunks: string[] = [];
  return { chunks, isTTY, write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

let stateDir: string;
let stdout: ReturnType<typeof createStream>;
let stderr: ReturnType<typeof createStream>;

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'onsite-program-'));
  stdout = createStream();
  stderr = createStream();
});

function deps(overrides: Partial<CliDependencies> = {}): CliDependencies {
  return { stdout, stderr, env: {}, now: () => new Date('2026-03-01T12:00:00Z'), ...overrides };
}

describe('runCli', () => {
  it('registers a dataset with the cloud when a registration step is plugged in', async () => {
    const requests: unknown[] = [];
    const code = await runCli(
      ['node', 'onsite-gateway', '--state', stateDir, 'dataset', 'add', GBSG2_CSV, '--name', 'gbsg2'],
      deps({
        registerWithCloud: async (request) => {
          requests.push(request);
          return { cloudId: 'ds_cloud_1' };
        },
      }),
    );

    expect(code, stderr.text()).toBe(0);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ stateDir, dataset: { name: 'gbsg2' }, policy: { minCellSize: 10 } });
    await expect(findDataset(stateDir, 'ds_cloud_1')).resolves.toMatchObject({
      name: 'gbsg2',
      cloudRegisteredAt: '2026-03-01T12:00:00.000Z',
    });
    await expect(verifyAuditLog(stateDir)).resolves.toMatchObject({ ok: true, entries: 2 });
    expect(stdout.text()).toContain('registered in the cloud as ds_cloud_1');
  });

  it('keeps the local dataset when cloud registration fails', async () => {
    const code = await runCli(
      ['node', 'onsite-gateway', '--state', stateDir, 'dataset', 'add', GBSG2_CSV, '--name', 'gbsg2'],
      deps({
        registerWithCloud: async () => {
          throw new Error('connection refused');
        },
      }),
    );

    expect(code).toBe(1);
    expect(stderr.text()).toMatch(/error: dataset "gbsg2" is stored locally as lds_[0-9a-f]{16}, but registering it with the cloud failed: connection refused/);
    await expect(findDataset(stateDir, 'gbsg2')).resolves.toMatchObject({ name: 'gbsg2' });
  });

  it('adds a command with one registration', async () => {
    const registerHello: CommandRegistration = (program, context) => {
      program.command('hello').action((_options, command) => context.output.line(`state: ${context.stateDir(command)}`));
    };

    const code = await runCli(['node', 'onsite-gateway', 'hello', '--state', stateDir], deps(), [...COMMAND_REGISTRATIONS, registerHello]);

    expect(code, stderr.text()).toBe(0);
    expect(stdout.text()).toBe(`state: ${stateDir}\n`);
  });

  it('takes the state folder from the environment', async () => {
    const code = await runCli(['node', 'onsite-gateway', 'status', '--json'], deps({ env: { ONSITE_GATEWAY_STATE: stateDir } }));

    expect(code, stderr.text()).toBe(0);
    expect(JSON.parse(stdout.text())).toMatchObject({ stateDir, datasets: 0 });
  });

  it('draws a progress bar on a terminal', async () => {
    stderr = createStream(true);

    await runCli(['node', 'onsite-gateway', 'dataset', 'add', GBSG2_CSV, '--name', 'gbsg2', '--dry-run'], deps());

    expect(stderr.text()).toBe(`\rreading [${'#'.repeat(30)}] 100%\n`);
  });
});

describe('command output', () => {
  it('aligns table columns', () => {
    expect(formatTable([['age', 'integer'], ['horTh', 'categorical']], ['COLUMN', 'TYPE'])).toBe(
      'COLUMN  TYPE\n------  -----------\nage     integer\nhorTh   categorical\n',
    );
  });

  it('writes one JSON progress line per whole percent', () => {
    const err = createStream(false);
    const progress = createOutput(createStream(), err).progress('reading');

    progress.update(0.101);
    progress.update(0.104);
    progress.update(0.5);
    progress.done();

    expect(err.chunks.map((line) => JSON.parse(line) as { percent: number }).map((line) => line.percent)).toEqual([10, 50, 100]);
  });
});
