import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { renderOpenApiYaml } from './write-openapi.js';

const run = promisify(execFile);
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const committedYamlPath = join(repositoryRoot, 'openapi.yaml');
const committedTypesPath = join(repositoryRoot, 'gateway/src/cloud/generated/openapi.d.ts');
const binary = (name: string) => join(repositoryRoot, 'node_modules/.bin', name);

/** Keeps the command-line tools offline: no update check and no usage report. */
const offlineEnvironment = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_UPDATE_NOTIFIER: '1' };

const REGENERATE = 'the committed contract is out of date: run `npm run openapi` and commit openapi.yaml and gateway/src/cloud/generated/openapi.d.ts';

describe('openapi contract', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'onsite-contract-'));

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('matches the route definitions', () => {
    const committed = readFileSync(committedYamlPath, 'utf8');

    expect(committed === renderOpenApiYaml(), REGENERATE).toBe(true);
  });

  it('matches the generated client types', async () => {
    const freshTypesPath = join(scratch, 'openapi.d.ts');
    await run(binary('openapi-typescript'), [committedYamlPath, '--default-non-nullable', 'false', '--output', freshTypesPath], { cwd: repositoryRoot, env: offlineEnvironment });

    const committed = readFileSync(committedTypesPath, 'utf8');
    const fresh = readFileSync(freshTypesPath, 'utf8');
    expect(committed === fresh, REGENERATE).toBe(true);
  });

  it('passes redocly lint without errors', async () => {
    const config = fileURLToPath(new URL('./redocly.yaml', import.meta.url));
    const result = await run(binary('redocly'), ['lint', '--config', config, '--format', 'json', committedYamlPath], {
      cwd: repositoryRoot,
      env: offlineEnvironment,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '', failed: error.code }));

    const report = JSON.parse(result.stdout) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; severity: string; message: string }> };
    const errors = report.problems.filter((problem) => problem.severity === 'error');
    expect(errors, JSON.stringify(errors, null, 2)).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });
});
