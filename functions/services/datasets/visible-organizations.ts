import { and, eq, inArray } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../../../db/client.js';
import { partnershipMembers, partnerships } from '../../../db/schema/index.js';

/**
 * Organizations whose dataset descriptions the caller may see: itself, and every organization it
 * shares an active partnership with (as an accepted member or the proposer).
 */
export async function organizationsVisibleTo(db: Executor, organizationId: string): Promise<string[]> {
  const mine = alias(partnershipMembers, 'mine');
  const rows = await db
    .select({ organizationId: partnershipMembers.organizationId })
    .from(partnershipMembers)
    .innerJoin(partnerships, eq(partnerships.id, partnershipMembers.partnershipId))
    .innerJoin(mine, and(eq(mine.partnershipId, partnershipMembers.partnershipId), eq(mine.organizationId, organizationId)))
    .where(and(eq(partnerships.state, 'active'), inArray(partnershipMembers.state, ['proposer', 'accepted'])));
  return [...new Set([organizationId, ...rows.map((row) => row.organizationId)])];
}
