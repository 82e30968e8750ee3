import { and, eq } from 'drizzle-orm';
import type { Transaction } from '../../../db/client.js';
import { partnershipMembers } from '../../../db/schema/index.js';
import { ApiError } from '../../api/errors/api-error.js';
import type { ServiceContext } from '../service-context.js';
import { getVisiblePartnership } from './get-visible-partnership.js';
import type { PartnershipRow } from './partnership-types.js';

/**
 * Locks a partnership and records an invited organization's response to it. Raises 409 unless
 * the partnership is still `proposed` and this organization was invited and has not yet responded.
 */
export async function recordInvitationResponse(
  tx: Transaction,
  context: ServiceContext,
  organizationId: string,
  partnershipId: string,
  response: 'accept' | 'decline',
): Promise<PartnershipRow> {
  const partnership = await getVisiblePartnership(tx, organizationId, partnershipId, { lock: true });
  if (partnership.state !== 'proposed') {
    throw new ApiError('invalid_state', `partnership ${partnershipId} is ${partnership.state}; only a proposed partnership can be accepted or declined`);
  }

  const [member] = await tx
    .select()
    .from(partnershipMembers)
    .where(and(eq(partnershipMembers.partnershipId, partnershipId), eq(partnershipMembers.organizationId, organizationId)));
  if (member?.state === 'proposer') {
    throw new ApiError('invalid_state', `your organization proposed partnership ${partnershipId}; only invited organizations ${response} it`);
  }
  if (member?.state !== 'invited') {
    throw new ApiError('invalid_state', `your organization already responded to partnership ${partnershipId} (${member?.state ?? 'unknown'})`);
  }

  await tx
    .update(partnershipMembers)
    .set({ state: response === 'accept' ? 'accepted' : 'declined', respondedAt: context.now })
    .where(and(eq(partnershipMembers.partnershipId, partnershipId), eq(partnershipMembers.organizationId, organizationId)));
  return partnership;
}
