import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { jobs } from '../../../db/schema/index.js';
import type { Cursor } from '../../api/pagination.js';
import { findVisibleProject, type JobRow } from './project-access.js';

/** Jobs of a project the organization can see, newest first, one page past `cursor` (limit + 1 rows, see toPage). */
export async function listJobs(db: Executor, organizationId: string, projectId: string, page: { limit: number; cursor?: Cursor }): Promise<JobRow[]> {
  await findVisibleProject(db, organizationId, projectId);
  const after = page.cursor
    ? or(lt(jobs.createdAt, new Date(String(page.cursor.sortKey))), and(eq(jobs.createdAt, new Date(String(page.cursor.sortKey))), lt(jobs.id, page.cursor.id)))
    : undefined;
  return db
    .select()
    .from(jobs)
    .where(and(eq(jobs.projectId, projectId), after))
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .limit(page.limit + 1);
}
