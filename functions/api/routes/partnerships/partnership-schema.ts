import { z } from '@hono/zod-openapi';
import { MEMBER_STATES, PARTNERSHIP_STATES } from '../../../../db/schema/index.js';
import type { PartnershipWithMembers } from '../../../services/partnerships/partnership-types.js';
import { idParams, idSchema, iso, timestampSchema } from '../../schemas/common.js';

/** Roles that speak for an organization in a partnership: propose, accept, decline, end. */
export const PARTNERSHIP_MANAGER_ROLES = ['owner', 'admin'] as const;

export const partnershipStateSchema = z.enum(PARTNERSHIP_STATES).openapi('PartnershipState', {
  description: 'proposed until every invited organization accepts (then active) or one declines (then declined); ended by any member.',
});

export const partnershipMemberSchema = z
  .object({
    organizationId: idSchema('organization'),
    organizationName: z.string(),
    state: z.enum(MEMBER_STATES),
    respondedAt: timestampSchema.nullable().openapi({ description: 'When the member accepted or declined; the proposal time for the proposer.' }),
  })
  .openapi('PartnershipMember');

export const partnershipSchema = z
  .object({
    id: idSchema('partnership'),
    proposerOrganizationId: idSchema('organization'),
    purpose: z.string(),
    endsOn: z.iso.date().openapi({ description: 'Last day of the collaboration (ISO date).' }),
    state: partnershipStateSchema,
    members: z.array(partnershipMemberSchema).openapi({ description: 'Every member organization, the proposer first.' }),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
    endedAt: timestampSchema.nullable(),
  })
  .openapi('Partnership');

export const partnershipParams = idParams('partnershipId', 'partnership');

export function toPartnership({ partnership, members }: PartnershipWithMembers): z.infer<typeof partnershipSchema> {
  return {
    id: partnership.id,
    proposerOrganizationId: partnership.organizationId,
    purpose: partnership.purpose,
    endsOn: partnership.endsOn,
    state: partnership.state,
    members: members.map((member) => ({
      organizationId: member.organizationId,
      organizationName: member.organizationName,
      state: member.state,
      respondedAt: iso(member.respondedAt),
    })),
    createdAt: iso(partnership.createdAt),
    updatedAt: iso(partnership.updatedAt),
    endedAt: iso(partnership.endedAt),
  };
}
