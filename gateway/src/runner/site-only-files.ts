import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SiteContribution } from '@onsite/compute';
import type { ClaimedTask } from '../cloud/claimed-task.js';
import { appendAuditEvent, writeFileAtomic } from '../state/index.js';

const FILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Writes the files a computation keeps at the site (row-level predictions, for example) under
 * `<state>/outputs/<job id>/<task id>/`, readable by the gateway's user only. They never enter the
 * update that is uploaded. Returns the paths written.
 */
export async function writeSiteOnlyFiles(stateDir: string, task: ClaimedTask, contribution: SiteContribution, now: Date): Promise<string[]> {
  const files = contribution.siteOnlyFiles ?? [];
  if (files.length === 0) return [];

  const folder = join(stateDir, 'outputs', task.jobId, task.taskId);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const paths: string[] = [];
  for (const file of files) {
    if (!FILE_NAME_PATTERN.test(file.fileName)) {
      throw new Error(`computation ${task.computation} named an output file "${file.fileName}"; use letters, digits, ".", "_" and "-" only`);
    }
    const path = join(folder, file.fileName);
    await writeFileAtomic(path, file.content, { mode: 0o600 });
    paths.push(path);
  }

  await appendAuditEvent(stateDir, { type: 'outputs.written', details: { taskId: task.taskId, jobId: task.jobId, files: files.map((file) => file.fileName) } }, now);
  return paths;
}
