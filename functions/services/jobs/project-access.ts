import { and, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { jobs, partnershipMembers, partnerships, projects } from '../../../db/schema/index.js';
import { notFound } from '../../api/errors/api-error.js';

export type ProjectRow = typeof projects.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;

/** Member states that make an organization part of a partnership. */
const MEMBER_STATES_WITH_ACCESS = ['proposer', 'accepted'] as const;

/**
 * Loads a project that the organization can see: one of a partnership it proposed or accepted.
 * Another tenant's project is reported as not found, exactly like a missing one.
 */
export async function findVisibleProject(db: Executor, organizationId: string, projectId: string) {
  const [row] = await db
    .select({ project: projects, partnershipState: partnerships.state })
    .from(projects)
    .innerJoin(partnerships, eq(partnerships.id, projects.partnershipId))
    .innerJoin(partnershipMembers, eq(partnershipMembers.partnershipId, projects.partnershipId))
    .where(
      and(
        eq(projects.id, projectId),
        eq(partnershipMembers.organizationId, organizationId),
        inArray(partnershipMembers.state, [...MEMBER_STATES_WITH_ACCESS]),
      ),
    )
    .limit(1);
  if (!row) throw notFound('project', projectId);
  return row;
}

/** Loads a job whose project the organization can see; 404 otherwise. */
export async function findVisibleJob(db: Executor, organizationId: string, jobId: string): Promise<JobRow> {
  const [row] = await db
    .select({ job: jobs })
    .from(jobs)
    .innerJoin(projects, eq(projects.id, jobs.projectId))
    .innerJoin(partnershipMembers, eq(partnershipMembers.partnershipId, projects.partnershipId))
    .where(
      and(eq(jobs.id, jobId), eq(partnershipMembers.organizationId, organizationId), inArray(partnershipMembers.state, [...MEMBER_STATES_WITH_ACCESS])),
    )
    .limit(1);
  if (!row) throw notFound('job', jobId);
  return row.job;
}
