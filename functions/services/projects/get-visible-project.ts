import { and, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { partnershipMembers, projects } from '../../../db/schema/index.js';
import { notFound } from '../../api/errors/api-error.js';

export type ProjectRow = typeof projects.$inferSelect;

/**
 * Join condition from `projects` to `partnership_members`: the organization is the proposer or an
 * accepted member of the project's partnership, the one rule for seeing a project and what is in it.
 */
export function isProjectMember(organizationId: string) {
  return and(
    eq(partnershipMembers.partnershipId, projects.partnershipId),
    eq(partnershipMembers.organizationId, organizationId),
    inArray(partnershipMembers.state, ['proposer', 'accepted']),
  );
}

/**
 * Reads a project that `organizationId` can see: the organization must be the proposer or an
 * accepted member of the project's partnership (an invitation alone shows nothing). Any other
 * project raises the same 404 as a missing one. With `lock`, the project row stays locked until
 * the transaction ends.
 */
export async function getVisibleProject(
  db: Executor,
  organizationId: string,
  projectId: string,
  options: { lock?: boolean } = {},
): Promise<ProjectRow> {
  const query = db
    .select({ project: projects })
    .from(projects)
    .innerJoin(partnershipMembers, isProjectMember(organizationId))
    .where(eq(projects.id, projectId));
  const [row] = options.lock ? await query.for('update', { of: projects }) : await query;
  if (!row) throw notFound('project', projectId);
  return row.project;
}
