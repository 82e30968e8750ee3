import { and, eq } from 'drizzle-orm';
import { partnerships, projects } from '../../../db/schema/index.js';
import { ApiError } from '../../api/errors/api-error.js';
import type { ServiceContext } from '../service-context.js';
import { getPartnership, getVisiblePartnership } from './get-visible-partnership.js';
import type { PartnershipWithMembers } from './partnership-types.js';
import { recordPartnershipEvent } from './record-partnership-event.js';

/**
 * Ends a proposed or active partnership on behalf of any member, and freezes its projects in the
 * same transaction, so no work can start in a project after its partnership has ended.
 */
export async function endPartnership(context: ServiceContext, organizationId: string, partnershipId: string): Promise<PartnershipWithMembers> {
  return context.db.transaction(async (tx) => {
    const partnership = await getVisiblePartnership(tx, organizationId, partnershipId, { lock: true });
    if (partnership.state !== 'proposed' && partnership.state !== 'active') {
      throw new ApiError('invalid_state', `partnership ${partnershipId} is ${partnership.state}; only a proposed or active partnership can be ended`);
    }

    await tx
      .update(partnerships)
      .set({ state: 'ended', endedAt: context.now, endedBy: context.actor.id, updatedAt: context.now })
      .where(eq(partnerships.id, partnershipId));
    const frozen = await tx
      .update(projects)
      .set({ state: 'frozen', updatedAt: context.now })
      .where(and(eq(projects.partnershipId, partnershipId), eq(projects.state, 'active')))
      .returning({ id: projects.id });

    await recordPartnershipEvent(tx, context, {
      partnershipId,
      actorOrganizationId: organizationId,
      action: 'partnership.ended',
      target: { type: 'partnership', id: partnershipId },
      data: { from: partnership.state, to: 'ended', frozenProjectIds: frozen.map((project) => project.id).sort() },
    });
    return getPartnership(tx, organizationId, partnershipId);
  });
}
