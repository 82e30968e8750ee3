import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { datasetLinks, partnershipMembers, projects } from '../../../db/schema/index.js';
import { notFound } from '../../api/errors/api-error.js';
import type { Cursor } from '../../api/pagination.js';
import { getVisibleProject, isProjectMember } from '../projects/get-visible-project.js';
import type { DatasetLinkRow } from './request-dataset-link.js';

/** A link whose project the organization can see (proposer or accepted member of its partnership), else 404. */
export async function getVisibleDatasetLink(
  db: Executor,
  organizationId: string,
  linkId: string,
  options: { lock?: boolean } = {},
): Promise<DatasetLinkRow> {
  const query = db
    .select({ link: datasetLinks })
    .from(datasetLinks)
    .innerJoin(projects, eq(projects.id, datasetLinks.projectId))
    .innerJoin(partnershipMembers, isProjectMember(organizationId))
    .where(eq(datasetLinks.id, linkId));
  const [row] = options.lock ? await query.for('update', { of: datasetLinks }) : await query;
  if (!row) throw notFound('dataset link', linkId);
  return row.link;
}

/** Links of a project the organization can see, newest first, limit + 1 rows (see toPage). */
export async function listProjectDatasetLinks(
  db: Executor,
  organizationId: string,
  projectId: string,
  page: { limit: number; cursor?: Cursor; state?: DatasetLinkRow['state'] },
): Promise<DatasetLinkRow[]> {
  await getVisibleProject(db, organizationId, projectId);
  const after = page.cursor
    ? or(
        lt(datasetLinks.createdAt, new Date(String(page.cursor.sortKey))),
        and(eq(datasetLinks.createdAt, new Date(String(page.cursor.sortKey))), lt(datasetLinks.id, page.cursor.id)),
      )
    : undefined;
  return db
    .select()
    .from(datasetLinks)
    .where(and(eq(datasetLinks.projectId, projectId), page.state ? eq(datasetLinks.state, page.state) : undefined, after))
    .orderBy(desc(datasetLinks.createdAt), desc(datasetLinks.id))
    .limit(page.limit + 1);
}
