import { and, eq } from 'drizzle-orm';
import { partnershipMembers, partnerships } from '../../../db/schema/index.js';
import type { ServiceContext } from '../service-context.js';
import { getPartnership } from './get-visible-partnership.js';
import type { PartnershipWithMembers } from './partnership-types.js';
import { recordPartnershipEvent } from './record-partnership-event.js';
import { recordInvitationResponse } from './record-invitation-response.js';

/**
 * Accepts an invitation on behalf of `organizationId`. The acceptance that completes the set (every
 * invited organization has accepted) makes the partnership `active` in the same transaction.
 */
export async function acceptPartnership(context: ServiceContext, organizationId: string, partnershipId: string): Promise<PartnershipWithMembers> {
  return context.db.transaction(async (tx) => {
    await recordInvitationResponse(tx, context, organizationId, partnershipId, 'accept');
    const target = { type: 'partnership', id: partnershipId };
    await recordPartnershipEvent(tx, context, { partnershipId, actorOrganizationId: organizationId, action: 'partnership.accepted', target });

    const stillInvited = await tx
      .select({ organizationId: partnershipMembers.organizationId })
      .from(partnershipMembers)
      .where(and(eq(partnershipMembers.partnershipId, partnershipId), eq(partnershipMembers.state, 'invited')))
      .limit(1);
    if (stillInvited.length === 0) {
      await tx.update(partnerships).set({ state: 'active', updatedAt: context.now }).where(eq(partnerships.id, partnershipId));
      await recordPartnershipEvent(tx, context, {
        partnershipId,
        actorOrganizationId: organizationId,
        action: 'partnership.activated',
        target,
        data: { from: 'proposed', to: 'active' },
      });
    } else {
      await tx.update(partnerships).set({ updatedAt: context.now }).where(eq(partnerships.id, partnershipId));
    }

    return getPartnership(tx, organizationId, partnershipId);
  });
}
