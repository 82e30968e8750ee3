import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { gateways } from '../../../db/schema/index.js';
import { ApiError, notFound } from '../../api/errors/api-error.js';
import type { Cursor } from '../../api/pagination.js';
import { recordAuditEvent } from '../audit/record-audit-event.js';
import type { ServiceContext } from '../service-context.js';
import { issueEnrolmentToken, type GatewayRow, type IssuedEnrolmentToken } from './create-gateway.js';

export async function getGateway(db: Executor, organizationId: string, gatewayId: string): Promise<GatewayRow> {
  const [gateway] = await db
    .select()
    .from(gateways)
    .where(and(eq(gateways.id, gatewayId), eq(gateways.organizationId, organizationId)))
    .limit(1);
  if (!gateway) throw notFound('gateway', gatewayId);
  return gateway;
}

/** Gateways of one organization, newest first, limit + 1 rows (see toPage). */
export async function listGateways(db: Executor, organizationId: string, page: { limit: number; cursor?: Cursor }): Promise<GatewayRow[]> {
  const after = page.cursor
    ? or(
        lt(gateways.createdAt, new Date(String(page.cursor.sortKey))),
        and(eq(gateways.createdAt, new Date(String(page.cursor.sortKey))), lt(gateways.id, page.cursor.id)),
      )
    : undefined;
  return db
    .select()
    .from(gateways)
    .where(and(eq(gateways.organizationId, organizationId), after))
    .orderBy(desc(gateways.createdAt), desc(gateways.id))
    .limit(page.limit + 1);
}

/** Issues a new enrolment token, for a gateway that never enrolled or must enrol again on a new machine. */
export async function reissueEnrolmentToken(
  context: ServiceContext,
  organizationId: string,
  gatewayId: string,
  ttlMinutes: number,
): Promise<IssuedEnrolmentToken> {
  return context.db.transaction(async (tx) => {
    const gateway = await getGateway(tx, organizationId, gatewayId);
    if (gateway.state === 'revoked') throw new ApiError('invalid_state', `gateway ${gatewayId} is revoked; create a new gateway instead`);

    const enrolment = await issueEnrolmentToken(tx, context, gateway, ttlMinutes);
    await recordAuditEvent(tx, {
      organizationId,
      actor: context.actor,
      action: 'gateway.enrolment_token_issued',
      target: { type: 'gateway', id: gatewayId },
      data: { expiresAt: enrolment.expiresAt.toISOString() },
      ...(context.requestId ? { requestId: context.requestId } : {}),
    });
    return enrolment;
  });
}

/** Revokes a gateway: its credential stops working at once and it receives no more tasks. */
export async function revokeGateway(context: ServiceContext, organizationId: string, gatewayId: string): Promise<GatewayRow> {
  return context.db.transaction(async (tx) => {
    const gateway = await getGateway(tx, organizationId, gatewayId);
    if (gateway.state === 'revoked') throw new ApiError('invalid_state', `gateway ${gatewayId} is already revoked`);

    const [revoked] = await tx
      .update(gateways)
      .set({ state: 'revoked', credentialHash: null, updatedAt: context.now })
      .where(eq(gateways.id, gatewayId))
      .returning();
    if (!revoked) throw notFound('gateway', gatewayId);

    await recordAuditEvent(tx, {
      organizationId,
      actor: context.actor,
      action: 'gateway.revoked',
      target: { type: 'gateway', id: gatewayId },
      ...(context.requestId ? { requestId: context.requestId } : {}),
    });
    return revoked;
  });
}

/**
 * Records a gateway's heartbeat: version, capabilities and last-seen time. Not audited: it changes
 * no state anyone approves, and one event a minute per gateway would drown the trail.
 */
export async function recordGatewayHeartbeat(
  db: Executor,
  gatewayId: string,
  input: { version: string; capabilities: Record<string, unknown>; now: Date },
): Promise<GatewayRow> {
  const [gateway] = await db
    .update(gateways)
    .set({ version: input.version, capabilities: input.capabilities, lastSeenAt: input.now, updatedAt: input.now })
    .where(eq(gateways.id, gatewayId))
    .returning();
  if (!gateway) throw notFound('gateway', gatewayId);
  return gateway;
}
