import { eq } from 'drizzle-orm';
import { newId } from '../../../db/ids.js';
import { enrolmentTokens, gateways, organizations } from '../../../db/schema/index.js';
import { ApiError } from '../../api/errors/api-error.js';
import { recordAuditEvent } from '../audit/record-audit-event.js';
import { hashSecret, newSecret } from '../auth/secrets.js';
import type { ServiceContext } from '../service-context.js';

export type GatewayRow = typeof gateways.$inferSelect;

export interface IssuedEnrolmentToken {
  token: string;
  expiresAt: Date;
}

/** Enrolment tokens live one day by default: long enough to hand to hospital IT, short enough to matter if leaked. */
export const DEFAULT_ENROLMENT_TTL_MINUTES = 24 * 60;

/**
 * Creates a gateway record for a hospital and a one-time enrolment token, returned once. Only
 * hospitals run gateways: the data stays where the patients were treated.
 */
export async function createGateway(
  context: ServiceContext,
  input: { organizationId: string; name: string; enrolmentTtlMinutes?: number },
): Promise<{ gateway: GatewayRow; enrolment: IssuedEnrolmentToken }> {
  return context.db.transaction(async (tx) => {
    const [organization] = await tx.select({ kind: organizations.kind }).from(organizations).where(eq(organizations.id, input.organizationId));
    if (organization?.kind !== 'hospital') {
      throw new ApiError('forbidden', `only hospital organizations run gateways; this organization is a ${organization?.kind ?? 'missing'} organization`);
    }

    const [gateway] = await tx
      .insert(gateways)
      .values({
        id: newId('gateway'),
        organizationId: input.organizationId,
        name: input.name,
        state: 'pending_enrolment',
        createdBy: context.actor.id,
        createdAt: context.now,
        updatedAt: context.now,
      })
      .returning();
    if (!gateway) throw new Error('insert into gateways returned no row');

    const enrolment = await issueEnrolmentToken(tx, context, gateway, input.enrolmentTtlMinutes ?? DEFAULT_ENROLMENT_TTL_MINUTES);
    await recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: context.actor,
      action: 'gateway.created',
      target: { type: 'gateway', id: gateway.id },
      data: { name: gateway.name, enrolmentExpiresAt: enrolment.expiresAt.toISOString() },
      ...(context.requestId ? { requestId: context.requestId } : {}),
    });
    return { gateway, enrolment };
  });
}

/** Stores the hash of a new single-use token for a gateway and returns the token once. */
export async function issueEnrolmentToken(
  tx: Parameters<Parameters<ServiceContext['db']['transaction']>[0]>[0],
  context: ServiceContext,
  gateway: GatewayRow,
  ttlMinutes: number,
): Promise<IssuedEnrolmentToken> {
  const token = newSecret('enrolmentToken');
  const expiresAt = new Date(context.now.getTime() + ttlMinutes * 60_000);
  await tx.insert(enrolmentTokens).values({
    id: newId('enrolmentToken'),
    organizationId: gateway.organizationId,
    gatewayId: gateway.id,
    tokenHash: hashSecret(token),
    expiresAt,
    createdAt: context.now,
  });
  return { token, expiresAt };
}
