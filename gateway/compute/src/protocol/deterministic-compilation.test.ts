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
    expect(Object.keys(first ?? {})).toEqual(['cox', 'logistic', 'mlpTrain', 'mlpPredict', 'mlpMulticlassTrain', 'mlpMulticlassPredict', 'multiclassMetrics', 'kaplanMeier']);
    expect(second).toEqual(first);
    expect(compileStudyGraphHashes()).toEqual(first);
  });

  it('keeps the binary MLP graphs of earlier releases byte-identical', () => {
    // A data officer approves these hashes; adding softmax outputs must not change binary networks.
    // Update the values only with a release note telling sites to approve the new graphs.
    const hashes = compileStudyGraphHashes();

    expect(hashes.mlpTrain).toBe('2e7eca16f48d590539f3cbc984282e318c4562bb455c0fe903b0aed4ada0d882');
    expect(hashes.mlpPredict).toBe('c223930bb32ee8089ac98d430e8e74fe3057a092a746d8f646a7238246b8374f');
  });
});
