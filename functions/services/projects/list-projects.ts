import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { partnershipMembers, projects, type PROJECT_STATES } from '../../../db/schema/index.js';
import type { Cursor } from '../../api/pagination.js';
import { cursorInstant } from '../partnerships/cursor-instant.js';
import { getVisiblePartnership } from '../partnerships/get-visible-partnership.js';
import type { ProjectRow } from './get-visible-project.js';
import { isProjectMember } from './get-visible-project.js';

export type ProjectState = (typeof PROJECT_STATES)[number];

/**
 * Projects of every partnership `organizationId` is a member of, newest first, one page past
 * `cursor` (limit + 1 rows, see toPage). With `partnershipId`, only that partnership's projects;
 * a partnership the organization cannot see raises 404.
 */
export async function listProjects(
  db: Executor,
  organizationId: string,
  options: { limit: number; cursor?: Cursor; partnershipId?: string; state?: ProjectState },
): Promise<ProjectRow[]> {
  if (options.partnershipId) await getVisiblePartnership(db, organizationId, options.partnershipId);

  const cursorDate = options.cursor ? cursorInstant(options.cursor) : undefined;
  const after =
    options.cursor && cursorDate
      ? or(lt(projects.createdAt, cursorDate), and(eq(projects.createdAt, cursorDate), lt(projects.id, options.cursor.id)))
      : undefined;

  const rows = await db
    .select({ project: projects })
    .from(projects)
    .innerJoin(partnershipMembers, isProjectMember(organizationId))
    .where(
      and(
        options.partnershipId ? eq(projects.partnershipId, options.partnershipId) : undefined,
        options.state ? eq(projects.state, options.state) : undefined,
        after,
      ),
    )
    .orderBy(desc(projects.createdAt), desc(projects.id))
    .limit(options.limit + 1);
  return rows.map((row) => row.project);
}
