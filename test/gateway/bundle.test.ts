import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { getComputation } from '@onsite/compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Federation } from './support/federation.js';
import { GBSG2_SITE_FILES, KAPLAN_MEIER_SPEC } from './support/gbsg2.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLE = fileURLToPath(new URL('../../gateway/dist/onsite-gateway.mjs', import.meta.url));

/** Runs a command to its end and returns its exit code and output. */
function runToEnd(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Stops a child with SIGTERM and returns its exit code. */
function terminate(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.on('close', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

// One database target is enough: this suite checks the packaging, not the scheduler.
describe('bundled gateway under plain node', () => {
  let federation: Federation;

  beforeAll(async () => {
    const built = await runToEnd(process.execPath, ['--import', 'tsx', 'gateway/build.ts']);
    if (built.code !== 0 || !existsSync(BUNDLE)) throw new Error(`gateway/build.ts failed (${built.code}): ${built.output}`);
    federation = await Federation.start('pglite', getComputation);
    await federation.seed('bundle', [{ file: GBSG2_SITE_FILES[0]!, policy: ['releaseExactEventTimes=true'] }]);
  });

  afterAll(async () => {
    await federation.close();
  });

  it('prints its help', async () => {
    const { code, output } = await runToEnd(process.execPath, [BUNDLE, '--help']);

    expect(code, output).toBe(0);
    expect(output).toContain('enroll [options]');
    expect(output).toContain('run [options]');
  });

  it('runs a job and stops on SIGTERM', async () => {
    const site = federation.sites[0]!;
    const child = spawn(process.execPath, [BUNDLE, '--state', site.stateDir, 'run', '--poll-interval', '50', '--claim-wait', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const modelId = await federation.createModel('relapse-free survival', KAPLAN_MEIER_SPEC);
    const created = await federation.createJob({ kind: 'analytics', computation: 'kaplan_meier', modelId });

    const job = await federation.waitForJob(created.id);
    const code = await terminate(child);

    expect(job.state, output).toBe('succeeded');
    expect(code, output).toBe(0);
    expect(output).toContain('"msg":"result delivered"');
    expect(output).toContain('"msg":"gateway stopped"');
  });
});
