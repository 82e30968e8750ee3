import { eq } from 'drizzle-orm';
import { partnerships } from '../../../db/schema/index.js';
import type { ServiceContext } from '../service-context.js';
import { getPartnership } from './get-visible-partnership.js';
import type { PartnershipWithMembers } from './partnership-types.js';
import { recordPartnershipEvent } from './record-partnership-event.js';
import { recordInvitationResponse } from './record-invitation-response.js';

/** Declines an invitation on behalf of `organizationId`; one decline makes the whole partnership `declined`. */
export async function declinePartnership(context: ServiceContext, organizationId: string, partnershipId: string): Promise<PartnershipWithMembers> {
  return context.db.transaction(async (tx) => {
    await recordInvitationResponse(tx, context, organizationId, partnershipId, 'decline');
    await tx.update(partnerships).set({ state: 'declined', updatedAt: context.now }).where(eq(partnerships.id, partnershipId));
    await recordPartnershipEvent(tx, context, {
      partnershipId,
      actorOrganizationId: organizationId,
      action: 'partnership.declined',
      target: { type: 'partnership', id: partnershipId },
      data: { from: 'proposed', to: 'declined' },
    });
    return getPartnership(tx, organizationId, partnershipId);
  });
}
