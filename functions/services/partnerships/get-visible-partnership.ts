import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { partnershipMembers, partnerships } from '../../../db/schema/index.js';
import { notFound } from '../../api/errors/api-error.js';
import { loadPartnershipMembers } from './load-partnership-members.js';
import type { PartnershipRow, PartnershipWithMembers } from './partnership-types.js';

/**
 * Reads a partnership that `organizationId` is a member of. A partnership the organization is not
 * a member of raises the same 404 as a missing one, so ids of other tenants' partnerships leak
 * nothing. With `lock`, the partnership row stays locked until the transaction ends, which
 * serialises concurrent accepts, declines and ends of one partnership.
 */
export async function getVisiblePartnership(
  db: Executor,
  organizationId: string,
  partnershipId: string,
  options: { lock?: boolean } = {},
): Promise<PartnershipRow> {
  const [membership] = await db
    .select({ state: partnershipMembers.state })
    .from(partnershipMembers)
    .where(and(eq(partnershipMembers.partnershipId, partnershipId), eq(partnershipMembers.organizationId, organizationId)))
    .limit(1);
  if (!membership) throw notFound('partnership', partnershipId);

  const query = db.select().from(partnerships).where(eq(partnerships.id, partnershipId));
  const [partnership] = options.lock ? await query.for('update') : await query;
  if (!partnership) throw notFound('partnership', partnershipId);
  return partnership;
}

/** Reads a visible partnership with its members (see getVisiblePartnership). */
export async function getPartnership(db: Executor, organizationId: string, partnershipId: string): Promise<PartnershipWithMembers> {
  const partnership = await getVisiblePartnership(db, organizationId, partnershipId);
  const members = await loadPartnershipMembers(db, [partnershipId]);
  return { partnership, members: members.get(partnershipId) ?? [] };
}
