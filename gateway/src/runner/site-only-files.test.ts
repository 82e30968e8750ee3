import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClaimedTask } from '../cloud/claimed-task.js';
import { ensureStateDir, verifyAuditLog } from '../state/index.js';
import { writeSiteOnlyFiles } from './site-only-files.js';

const task = { taskId: 'tsk_1', jobId: 'job_1', computation: 'predict_binary' } as unknown as ClaimedTask;
const contribution = (fileName: string) => ({ tensors: {}, sampleCount: 3, metrics: {}, siteOnlyFiles: [{ fileName, content: 'row,probability\n1,0.5\n' }] });

describe('site-only files', () => {
  it('writes predictions privately and audits them', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'onsite-outputs-'));
    await ensureStateDir(stateDir);

    const [path] = await writeSiteOnlyFiles(stateDir, task, contribution('predictions.csv'), new Date());

    expect(path).toBe(join(stateDir, 'outputs', 'job_1', 'tsk_1', 'predictions.csv'));
    expect(readFileSync(path as string, 'utf8')).toBe('row,probability\n1,0.5\n');
    expect(statSync(path as string).mode & 0o777).toBe(0o600);
    const audit = await verifyAuditLog(stateDir);
    expect(audit.ok).toBe(true);
    expect(audit.entries).toBe(1);
  });

  it.each(['../escape.csv', '/etc/passwd', '.hidden', ''])('rejects the file name %j', async (fileName) => {
    const stateDir = mkdtempSync(join(tmpdir(), 'onsite-outputs-'));
    await ensureStateDir(stateDir);

    await expect(writeSiteOnlyFiles(stateDir, task, contribution(fileName), new Date())).rejects.toThrow(/output file/);
  });
});
