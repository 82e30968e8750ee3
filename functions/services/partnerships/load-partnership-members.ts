import { asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { organizations, partnershipMembers } from '../../../db/schema/index.js';
import type { PartnershipMember } from './partnership-types.js';

/** Loads the members of several partnerships in one query, grouped by partnership id. */
export async function loadPartnershipMembers(db: Executor, partnershipIds: string[]): Promise<Map<string, PartnershipMember[]>> {
  const byPartnership = new Map<string, PartnershipMember[]>();
  if (partnershipIds.length === 0) return byPartnership;

  const rows = await db
    .select({ member: partnershipMembers, organizationName: organizations.name })
    .from(partnershipMembers)
    .innerJoin(organizations, eq(organizations.id, partnershipMembers.organizationId))
    .where(inArray(partnershipMembers.partnershipId, partnershipIds))
    .orderBy(asc(partnershipMembers.organizationId));

  for (const row of rows) {
    const members = byPartnership.get(row.member.partnershipId) ?? [];
    const member = { ...row.member, organizationName: row.organizationName };
    if (member.state === 'proposer') members.unshift(member);
    else members.push(member);
    byPartnership.set(row.member.partnershipId, members);
  }
  return byPartnership;
}
