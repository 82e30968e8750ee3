import { inArray } from 'drizzle-orm';
import { newId } from '../../../db/ids.js';
import { organizations, partnershipMembers, partnerships } from '../../../db/schema/index.js';
import { ApiError, type FieldError } from '../../api/errors/api-error.js';
import type { ServiceContext } from '../service-context.js';
import { loadPartnershipMembers } from './load-partnership-members.js';
import type { PartnershipWithMembers } from './partnership-types.js';
import { recordPartnershipEvent } from './record-partnership-event.js';

export interface CreatePartnershipInput {
  purpose: string;
  /**
   * Last day of the collaboration, an ISO date (`2027-06-30`); it must be after today (UTC).
   * NOTE: nothing ends a partnership when this day passes; only project creation checks it.
   */
  endsOn: string;
  invitedOrganizationIds: string[];
}

/** UTC calendar date of an instant, in the `YYYY-MM-DD` form that compares as text. */
export function isoDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/**
 * Proposes a partnership from `organizationId` to the invited organizations. It stays `proposed`
 * until every invited organization accepts. The proposal is recorded in every member's chain.
 */
export async function createPartnership(context: ServiceContext, organizationId: string, input: CreatePartnershipInput): Promise<PartnershipWithMembers> {
  const errors: FieldError[] = [];
  const today = isoDate(context.now);
  if (input.endsOn <= today) {
    errors.push({ path: 'body.endsOn', message: `must be after today (${today}, UTC)` });
  }
  input.invitedOrganizationIds.forEach((invitedId, index) => {
    if (invitedId === organizationId) {
      errors.push({ path: `body.invitedOrganizationIds.${index}`, message: 'is your own organization; invite the other organizations only' });
    }
  });
  if (errors.length > 0) {
    throw new ApiError('validation_failed', `the request has ${errors.length} invalid field(s); see errors`, { errors });
  }

  return context.db.transaction(async (tx) => {
    const found = await tx
      .select({ id: organizations.id })
      .from(organizations)
      .where(inArray(organizations.id, input.invitedOrganizationIds));
    const foundIds = new Set(found.map((row) => row.id));
    const missing: FieldError[] = [];
    input.invitedOrganizationIds.forEach((invitedId, index) => {
      if (!foundIds.has(invitedId)) missing.push({ path: `body.invitedOrganizationIds.${index}`, message: `organization ${invitedId} was not found` });
    });
    if (missing.length > 0) {
      throw new ApiError('unprocessable', `${missing.length} invited organization(s) were not found; check the ids with your partners`, { errors: missing });
    }

    const partnershipId = newId('partnership');
    await tx.insert(partnerships).values({
      id: partnershipId,
      organizationId,
      purpose: input.purpose,
      endsOn: input.endsOn,
      state: 'proposed',
      createdAt: context.now,
      updatedAt: context.now,
    });
    await tx.insert(partnershipMembers).values([
      { partnershipId, organizationId, state: 'proposer', respondedAt: context.now, createdAt: context.now },
      ...input.invitedOrganizationIds.map((invitedId) => ({ partnershipId, organizationId: invitedId, state: 'invited' as const, createdAt: context.now })),
    ]);

    await recordPartnershipEvent(tx, context, {
      partnershipId,
      actorOrganizationId: organizationId,
      action: 'partnership.proposed',
      target: { type: 'partnership', id: partnershipId },
      data: { purpose: input.purpose, endsOn: input.endsOn, invitedOrganizationIds: input.invitedOrganizationIds },
    });

    const [partnership] = await tx.select().from(partnerships).where(inArray(partnerships.id, [partnershipId]));
    if (!partnership) throw new Error(`partnership ${partnershipId} vanished inside its creating transaction`);
    const members = await loadPartnershipMembers(tx, [partnershipId]);
    return { partnership, members: members.get(partnershipId) ?? [] };
  });
}
