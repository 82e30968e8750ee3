import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { beforeEach, describe, expect, it } from 'vitest';

import { enqueueDelivery, statePaths, updateRuntimeStatus } from './state/index.js';

// Runs the real command in a child process, as an operator would, with the tsx loader that the
// repository uses for TypeScript entry points (`node --import tsx` is `npx tsx` without the
// extra npm and tsx wrapper processes).
const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPOSITORY_ROOT, 'gateway', 'src', 'cli.ts');
const GBSG2_CSV = fileURLToPath(new URL('../../../shared/data/gbsg2.csv', import.meta.url));

const execFileAsync = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function runGateway(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, ONSITE_GATEWAY_STATE: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

/** Prints the whole result when an assertion on it fails. */
function describeResult(result: CliResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

let stateDir: string;

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'onsite-cli-'));
});

describe('onsite-gateway CLI', () => {
  it('lists its commands in the help', async () => {
    const result = await runGateway(['--help']);

    expect(result.code, describeResult(result)).toBe(0);
    for (const command of ['dataset', 'policy', 'status', 'audit', '--state <dir>']) {
      expect(result.stdout).toContain(command);
    }
  });

  it.each(['dataset add', 'dataset list', 'policy show', 'policy set', 'status', 'audit verify'])(
    'prints help for %s',
    async (command) => {
      const result = await runGateway([...command.split(' '), '--help']);

      expect(result.code, describeResult(result)).toBe(0);
      expect(result.stdout).toContain(`Usage: onsite-gateway ${command}`);
    },
  );

  it('prints the schema of a dry run without storing it', async () => {
    const dryRun = await runGateway([
      'dataset', 'add', GBSG2_CSV, '--name', 'gbsg2', '--dry-run', '--state', stateDir,
      '--levels', 'menostat=Pre,Post', '--unit', 'tsize=mm',
    ]);
    const list = await runGateway(['dataset', 'list', '--json', '--state', stateDir]);

    expect(dryRun.code, describeResult(dryRun)).toBe(0);
    expect(dryRun.stdout).toContain('gbsg2: 686 rows, 10 columns');
    expect(dryRun.stdout).toMatch(/menostat\s+categorical\s+declared\s+686\s+0\s+Pre, Post/);
    expect(dryRun.stdout).toMatch(/tsize\s+integer\s+inferred\s+mm\s+686/);
    expect(dryRun.stdout).toContain('tgrade: I 81, II 444, III 161');
    expect(dryRun.stdout).toContain('Dry run: nothing was stored.');
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('writes JSON progress lines when stderr is not a terminal', async () => {
    const result = await runGateway(['dataset', 'add', GBSG2_CSV, '--name', 'gbsg2', '--dry-run', '--json']);

    const progress = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(progress.at(-1)).toEqual({ type: 'progress', step: 'reading', percent: 100 });
    expect(JSON.parse(result.stdout)).toMatchObject({ name: 'gbsg2', dryRun: true });
  });

  it('stores a dataset, lists it and audits the addition', async () => {
    const add = await runGateway(['dataset', 'add', GBSG2_CSV, '--name', 'gbsg2', '--type', 'cens=boolean'], {
      ONSITE_GATEWAY_STATE: stateDir,
    });
    const list = await runGateway(['dataset', 'list', '--json', '--state', stateDir]);
    const verify = await runGateway(['audit', 'verify', '--json', '--state', stateDir]);

    expect(add.code, describeResult(add)).toBe(0);
    expect(add.stdout).toMatch(/Stored as lds_[0-9a-f]{16} \(local only\)\./);
    const [record] = JSON.parse(list.stdout) as { name: string; counts: { rowCount: number }; schema: { name: string; type: string }[] }[];
    expect(record?.name).toBe('gbsg2');
    expect(record?.counts.rowCount).toBe(686);
    expect(record?.schema.find((column) => column.name === 'cens')?.type).toBe('boolean');
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, entries: 1 });
  });

  it.each([
    { case: 'a duplicate name', setup: true, args: [], message: 'a dataset named "gbsg2" already exists' },
    { case: 'an unknown type', setup: false, args: ['--type', 'age=float'], message: 'invalid declaration for column "age": type:' },
    { case: 'levels on a number column', setup: false, args: ['--type', 'age=number', '--levels', 'age=1,2'], message: 'invalid declaration for column "age": levels: levels can only be declared for a categorical column' },
    { case: 'a malformed declaration', setup: false, args: ['--unit', 'mm'], message: '--unit "mm" must look like column=value' },
    { case: 'a value outside declared levels', setup: false, args: ['--levels', 'tgrade=I,II'], message: 'line 7, column 5 ("tgrade"): value "III" is not one of the declared levels' },
    { case: 'an unknown column', setup: false, args: ['--unit', 'size=mm'], message: 'declared column "size" not found in the file' },
  ])('rejects $case when adding a dataset', async ({ setup, args, message }) => {
    if (setup) {
      await runGateway(['dataset', 'add', GBSG2_CSV, '--name', 'gbsg2', '--state', stateDir]);
    }

    const result = await runGateway(['dataset', 'add', GBSG2_CSV, '--name', 'gbsg2', '--state', stateDir, ...args]);

    expect(result.code, describeResult(result)).toBe(1);
    expect(result.stderr).toContain(`error: ${message}`);
  });

  it('rejects a missing file with its path', async () => {
    const result = await runGateway(['dataset', 'add', join(stateDir, 'absent.csv'), '--name', 'x', '--state', stateDir]);

    expect(result.code, describeResult(result)).toBe(1);
    expect(result.stderr).toContain(`cannot read data file ${join(stateDir, 'absent.csv')}`);
  });

  it('sets, shows and audits the site policy', async () => {
    const set = await runGateway(['policy', 'set', 'minCellSize=5', 'allowedProjects=prj_a,prj_b', '--state', stateDir]);
    const show = await runGateway(['policy', 'show', '--json', '--state', stateDir]);
    const auditLine = JSON.parse(readFileSync(statePaths(stateDir).auditLog, 'utf8').trim()) as { type: string; details: unknown };

    expect(set.code, describeResult(set)).toBe(0);
    expect(set.stdout).toMatch(/minCellSize\s+5/);
    expect(JSON.parse(show.stdout)).toMatchObject({ minCellSize: 5, allowedProjects: ['prj_a', 'prj_b'], minCohortSize: 10 });
    expect(auditLine).toEqual({
      ...auditLine,
      type: 'policy.changed',
      details: { changes: { minCellSize: { from: 10, to: 5 }, allowedProjects: { from: [], to: ['prj_a', 'prj_b'] } } },
    });
  });

  it.each([
    { case: 'an unknown key', assignment: 'minCell=5', message: 'unknown policy key "minCell"' },
    { case: 'an invalid value', assignment: 'smallCellAction=hide', message: 'invalid policy: smallCellAction' },
  ])('rejects $case in policy set', async ({ assignment, message }) => {
    const result = await runGateway(['policy', 'set', assignment, '--state', stateDir]);

    expect(result.code, describeResult(result)).toBe(1);
    expect(result.stderr).toContain(message);
  });

  it('shows pending deliveries and tasks in progress', async () => {
    await enqueueDelivery(stateDir, { kind: 'task_result', taskId: 'tsk_1', payload: { sums: [1] } });
    await updateRuntimeStatus(stateDir, (status) => ({
      ...status,
      lastContactAt: '2026-03-01T10:00:00.000Z',
      tasksInProgress: [{ taskId: 'tsk_2', jobId: 'job_1', phase: 'training', startedAt: '2026-03-01T10:00:01.000Z' }],
    }));

    const json = await runGateway(['status', '--json', '--state', stateDir]);
    const text = await runGateway(['status', '--state', stateDir]);

    expect(json.code, describeResult(json)).toBe(0);
    const status = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(status).toMatchObject({
      enrolled: false,
      lastContactAt: '2026-03-01T10:00:00.000Z',
      pendingDeliveries: [{ taskId: 'tsk_1', attempts: 0 }],
      tasksInProgress: [{ taskId: 'tsk_2', phase: 'training' }],
    });
    expect(text.stdout).toMatch(/pending deliveries\s+1/);
    expect(text.stdout).toMatch(/tsk_2\s+job_1\s+training/);
  });

  it('never prints the credential in the status', async () => {
    writeFileSync(
      statePaths(stateDir).config,
      JSON.stringify({ apiUrl: 'https://api.onsite.example', gatewayId: 'gw_1', credential: 'gwc_do_not_print' }),
    );

    const result = await runGateway(['status', '--json', '--state', stateDir]);

    expect(JSON.parse(result.stdout)).toMatchObject({ enrolled: true, gatewayId: 'gw_1' });
    expect(result.stdout).not.toContain('gwc_do_not_print');
  });

  it('exits with 2 and names the line of a tampered audit log', async () => {
    await runGateway(['policy', 'set', 'minCellSize=5', '--state', stateDir]);
    await runGateway(['policy', 'set', 'minCellSize=6', '--state', stateDir]);
    const path = statePaths(stateDir).auditLog;
    writeFileSync(path, readFileSync(path, 'utf8').replace('"to":6', '"to":60'));

    const result = await runGateway(['audit', 'verify', '--state', stateDir]);

    expect(result.code, describeResult(result)).toBe(2);
    expect(result.stdout).toContain('Audit log broken at line 2: the entry hash does not match its content');
  });

  it('rejects an unknown command with usage help', async () => {
    const result = await runGateway(['frobnicate']);

    expect(result.code, describeResult(result)).toBe(1);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });
});
