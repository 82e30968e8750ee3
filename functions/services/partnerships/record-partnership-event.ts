import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { partnershipMembers } from '../../../db/schema/index.js';
import { recordAuditEvent } from '../audit/record-audit-event.js';
import type { ServiceContext } from '../service-context.js';

/**
 * Records one audit event in the chain of every member organization of a partnership, because
 * each organization has its own chain and each must be able to prove what happened to a
 * collaboration it belongs to. Chains are appended in organization id order, so two partnership
 * transactions lock organization rows in the same order and cannot deadlock on each other.
 */
export async function recordPartnershipEvent(
  tx: Executor,
  context: ServiceContext,
  event: {
    partnershipId: string;
    actorOrganizationId: string;
    action: string;
    target: { type: string; id: string };
    data?: Record<string, unknown>;
  },
): Promise<void> {
  const members = await tx
    .select({ organizationId: partnershipMembers.organizationId })
    .from(partnershipMembers)
    .where(eq(partnershipMembers.partnershipId, event.partnershipId))
    .orderBy(asc(partnershipMembers.organizationId));

  for (const member of members) {
    await recordAuditEvent(tx, {
      organizationId: member.organizationId,
      actor: context.actor,
      action: event.action,
      target: event.target,
      data: { partnershipId: event.partnershipId, actorOrganizationId: event.actorOrganizationId, ...event.data },
      ...(context.requestId ? { requestId: context.requestId } : {}),
    });
  }
}
