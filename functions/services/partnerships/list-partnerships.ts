import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { partnershipMembers, partnerships, type PartnershipState } from '../../../db/schema/index.js';
import type { Cursor } from '../../api/pagination.js';
import { cursorInstant } from './cursor-instant.js';
import { loadPartnershipMembers } from './load-partnership-members.js';
import type { PartnershipWithMembers } from './partnership-types.js';

/**
 * Partnerships `organizationId` is a member of, newest first, one page past `cursor`
 * (limit + 1 rows, see toPage), optionally only those in one state.
 */
export async function listPartnerships(
  db: Executor,
  organizationId: string,
  options: { limit: number; cursor?: Cursor; state?: PartnershipState },
): Promise<PartnershipWithMembers[]> {
  const cursorDate = options.cursor ? cursorInstant(options.cursor) : undefined;
  const after =
    options.cursor && cursorDate
      ? or(lt(partnerships.createdAt, cursorDate), and(eq(partnerships.createdAt, cursorDate), lt(partnerships.id, options.cursor.id)))
      : undefined;

  const rows = await db
    .select({ partnership: partnerships })
    .from(partnerships)
    .innerJoin(partnershipMembers, and(eq(partnershipMembers.partnershipId, partnerships.id), eq(partnershipMembers.organizationId, organizationId)))
    .where(and(options.state ? eq(partnerships.state, options.state) : undefined, after))
    .orderBy(desc(partnerships.createdAt), desc(partnerships.id))
    .limit(options.limit + 1);

  const members = await loadPartnershipMembers(
    db,
    rows.map((row) => row.partnership.id),
  );
  return rows.map((row) => ({ partnership: row.partnership, members: members.get(row.partnership.id) ?? [] }));
}
