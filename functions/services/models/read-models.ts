import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { models, partnershipMembers, projects } from '../../../db/schema/index.js';
import { notFound } from '../../api/errors/api-error.js';
import type { Cursor } from '../../api/pagination.js';
import { getVisibleProject } from '../projects/get-visible-project.js';
import { cursorInstant } from './cursor-values.js';
import { isProjectMember } from '../projects/get-visible-project.js';

export type ModelRow = typeof models.$inferSelect;

/**
 * Reads a model whose project `organizationId` can see (a member of the project's partnership).
 * Any other model raises the same 404 as a missing one. With `lock`, the model row stays locked
 * until the transaction ends, which serialises spec changes, approvals and version numbering.
 */
export async function getVisibleModel(db: Executor, organizationId: string, modelId: string, options: { lock?: boolean } = {}): Promise<ModelRow> {
  const query = db
    .select({ model: models })
    .from(models)
    .innerJoin(projects, eq(projects.id, models.projectId))
    .innerJoin(partnershipMembers, isProjectMember(organizationId))
    .where(eq(models.id, modelId));
  const [row] = options.lock ? await query.for('update', { of: models }) : await query;
  if (!row) throw notFound('model', modelId);
  return row.model;
}

/** Models of a project the organization can see, newest first, limit + 1 rows (see toPage). */
export async function listProjectModels(
  db: Executor,
  organizationId: string,
  projectId: string,
  page: { limit: number; cursor?: Cursor },
): Promise<ModelRow[]> {
  await getVisibleProject(db, organizationId, projectId);
  const after = page.cursor
    ? or(lt(models.createdAt, cursorInstant(page.cursor)), and(eq(models.createdAt, cursorInstant(page.cursor)), lt(models.id, page.cursor.id)))
    : undefined;
  return db
    .select()
    .from(models)
    .where(and(eq(models.projectId, projectId), after))
    .orderBy(desc(models.createdAt), desc(models.id))
    .limit(page.limit + 1);
}
