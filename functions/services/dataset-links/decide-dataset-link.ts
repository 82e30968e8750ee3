import { eq } from 'drizzle-orm';
import type { Role } from '../../../db/schema/index.js';
import { datasetLinks } from '../../../db/schema/index.js';
import { ApiError, notFound } from '../../api/errors/api-error.js';
import type { ServiceContext } from '../service-context.js';
import { getVisibleDatasetLink } from './read-dataset-links.js';
import { recordLinkEvent, type DatasetLinkRow } from './request-dataset-link.js';

export type LinkDecision = 'approve' | 'reject' | 'revoke';

const TRANSITIONS: Record<LinkDecision, { from: DatasetLinkRow['state']; to: DatasetLinkRow['state'] }> = {
  approve: { from: 'requested', to: 'approved' },
  reject: { from: 'requested', to: 'rejected' },
  revoke: { from: 'approved', to: 'revoked' },
};

/** Roles of the dataset's owner that decide on its use. */
export const LINK_DECIDER_ROLES: readonly Role[] = ['data_officer', 'admin'];

/**
 * Approves, rejects or revokes a link. Only a data officer or admin of the dataset's owning
 * organization decides; other project members can see the link, so they get 403, not 404.
 */
export async function decideDatasetLink(
  context: ServiceContext,
  caller: { organizationId: string; role: Role },
  linkId: string,
  decision: LinkDecision,
): Promise<DatasetLinkRow> {
  return context.db.transaction(async (tx) => {
    const link = await getVisibleDatasetLink(tx, caller.organizationId, linkId, { lock: true });
    if (link.organizationId !== caller.organizationId || !LINK_DECIDER_ROLES.includes(caller.role)) {
      throw new ApiError('forbidden', `only a data officer or admin of the dataset's owner (${link.organizationId}) may ${decision} this link`);
    }

    const transition = TRANSITIONS[decision];
    if (link.state !== transition.from) {
      throw new ApiError('invalid_state', `dataset link ${linkId} is ${link.state}; only a ${transition.from} link can be ${transition.to}`);
    }

    const [updated] = await tx
      .update(datasetLinks)
      .set({ state: transition.to, decidedBy: context.actor.id, decidedAt: context.now, updatedAt: context.now })
      .where(eq(datasetLinks.id, linkId))
      .returning();
    if (!updated) throw notFound('dataset link', linkId);

    await recordLinkEvent(tx, context, updated, `dataset_link.${transition.to}`);
    return updated;
  });
}
