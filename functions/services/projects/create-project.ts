import { eq } from 'drizzle-orm';
import { newId } from '../../../db/ids.js';
import { projects } from '../../../db/schema/index.js';
import { ApiError } from '../../api/errors/api-error.js';
import type { ServiceContext } from '../service-context.js';
import { getVisiblePartnership } from '../partnerships/get-visible-partnership.js';
import { isoDate } from '../partnerships/create-partnership.js';
import { recordPartnershipEvent } from '../partnerships/record-partnership-event.js';
import type { ProjectRow } from './get-visible-project.js';

/**
 * Creates a project inside an active partnership that `organizationId` is a member of. The
 * partnership row is locked so that a concurrent end cannot leave an active project in an ended
 * partnership. The creation is recorded in every member's chain, since every member sees it.
 */
export async function createProject(
  context: ServiceContext,
  organizationId: string,
  input: { partnershipId: string; name: string; description: string },
): Promise<ProjectRow> {
  return context.db.transaction(async (tx) => {
    const partnership = await getVisiblePartnership(tx, organizationId, input.partnershipId, { lock: true });
    if (partnership.state !== 'active') {
      throw new ApiError('invalid_state', `partnership ${partnership.id} is ${partnership.state}; projects can be created only in an active partnership`);
    }
    if (partnership.endsOn < isoDate(context.now)) {
      throw new ApiError('invalid_state', `partnership ${partnership.id} ended on ${partnership.endsOn}; agree a new partnership to start another project`);
    }

    const projectId = newId('project');
    await tx.insert(projects).values({
      id: projectId,
      organizationId,
      partnershipId: partnership.id,
      name: input.name,
      description: input.description,
      state: 'active',
      createdBy: context.actor.id,
      createdAt: context.now,
      updatedAt: context.now,
    });

    await recordPartnershipEvent(tx, context, {
      partnershipId: partnership.id,
      actorOrganizationId: organizationId,
      action: 'project.created',
      target: { type: 'project', id: projectId },
      data: { name: input.name },
    });

    const [project] = await tx.select().from(projects).where(eq(projects.id, projectId));
    if (!project) throw new Error(`project ${projectId} vanished inside its creating transaction`);
    return project;
  });
}
