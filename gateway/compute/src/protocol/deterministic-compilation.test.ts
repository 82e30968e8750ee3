import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileStudyGraphHashes } from './testing/compile-study-graphs.js';

const script = fileURLToPath(new URL('./testing/compile-study-graphs.ts', import.meta.url));

describe('graph compilation from specs', () => {
  it('gives the same SHA-256 in two processes', () => {
    const runs = [1, 2].map(() => spawnSync('npx', ['tsx', script], { encoding: 'utf8' }));
    for (const run of runs) expect(run.status, run.stderr).toBe(0);

    const [first, second] = runs.map((run) => JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, string>);
    expect(Object.keys(first ?? {})).toEqual(['cox', 'logistic', 'mlpTrain', 'mlpPredict', 'kaplanMeier']);
    expect(second).toEqual(first);
    expect(compileStudyGraphHashes()).toEqual(first);
  });
});
