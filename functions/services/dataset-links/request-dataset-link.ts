import { and, eq } from 'drizzle-orm';
import { newId } from '../../../db/ids.js';
import { datasetLinks, partnershipMembers } from '../../../db/schema/index.js';
import { ApiError } from '../../api/errors/api-error.js';
import { recordAuditEvent } from '../audit/record-audit-event.js';
import { getVisibleDataset } from '../datasets/read-datasets.js';
import { assertProjectActive } from '../projects/assert-project-active.js';
import { getVisibleProject } from '../projects/get-visible-project.js';
import type { ServiceContext } from '../service-context.js';

export type DatasetLinkRow = typeof datasetLinks.$inferSelect;

/**
 * Records a project member's request to use a dataset in a project. The dataset's owner must be a
 * member of the project's partnership: a hospital outside the collaboration cannot be asked. A
 * project has one link per dataset, so asking again after a rejection or a revocation reopens
 * that link as a new request. Its earlier decisions stay in the audit log.
 */
export async function requestDatasetLink(
  context: ServiceContext,
  requester: { organizationId: string },
  input: { projectId: string; datasetId: string },
): Promise<DatasetLinkRow> {
  return context.db.transaction(async (tx) => {
    const project = await getVisibleProject(tx, requester.organizationId, input.projectId, { lock: true });
    assertProjectActive(project);
    const dataset = await getVisibleDataset(tx, requester.organizationId, input.datasetId);

    const [ownerMembership] = await tx
      .select({ state: partnershipMembers.state })
      .from(partnershipMembers)
      .where(and(eq(partnershipMembers.partnershipId, project.partnershipId), eq(partnershipMembers.organizationId, dataset.organizationId)));
    if (!ownerMembership || !['proposer', 'accepted'].includes(ownerMembership.state)) {
      throw new ApiError('unprocessable', `dataset ${dataset.id} belongs to an organization outside this project's partnership; invite it to the partnership first`, {
        errors: [{ path: 'body.datasetId', message: 'owner is not a partnership member' }],
      });
    }

    const [existing] = await tx
      .select({ id: datasetLinks.id, state: datasetLinks.state })
      .from(datasetLinks)
      .where(and(eq(datasetLinks.projectId, project.id), eq(datasetLinks.datasetId, dataset.id)));
    if (existing && (existing.state === 'requested' || existing.state === 'approved')) {
      throw new ApiError('conflict', `dataset ${dataset.id} is already linked to project ${project.id} as ${existing.id} (state ${existing.state})`);
    }
    if (existing) {
      const [reopened] = await tx
        .update(datasetLinks)
        .set({
          state: 'requested',
          requestedByOrganizationId: requester.organizationId,
          requestedBy: context.actor.id,
          decidedBy: null,
          decidedAt: null,
          updatedAt: context.now,
        })
        .where(eq(datasetLinks.id, existing.id))
        .returning();
      if (!reopened) throw new Error(`dataset link ${existing.id} disappeared while its project was locked`);
      await recordLinkEvent(tx, context, reopened, 'dataset_link.requested');
      return reopened;
    }

    const [link] = await tx
      .insert(datasetLinks)
      .values({
        id: newId('datasetLink'),
        organizationId: dataset.organizationId,
        projectId: project.id,
        datasetId: dataset.id,
        requestedByOrganizationId: requester.organizationId,
        requestedBy: context.actor.id,
        state: 'requested',
        createdAt: context.now,
        updatedAt: context.now,
      })
      .returning();
    if (!link) throw new Error('insert into dataset_links returned no row');

    await recordLinkEvent(tx, context, link, 'dataset_link.requested');
    return link;
  });
}

/** Records a link event in the dataset owner's chain and, when it differs, the requester's. */
export async function recordLinkEvent(
  tx: Parameters<Parameters<ServiceContext['db']['transaction']>[0]>[0],
  context: ServiceContext,
  link: DatasetLinkRow,
  action: string,
): Promise<void> {
  const organizations = [...new Set([link.organizationId, link.requestedByOrganizationId])];
  for (const organizationId of organizations) {
    await recordAuditEvent(tx, {
      organizationId,
      actor: context.actor,
      action,
      target: { type: 'dataset_link', id: link.id },
      data: { projectId: link.projectId, datasetId: link.datasetId, state: link.state },
      ...(context.requestId ? { requestId: context.requestId } : {}),
    });
  }
}
