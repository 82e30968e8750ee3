import { eq } from 'drizzle-orm';
import { enrolmentTokens, gateways } from '../../../db/schema/index.js';
import { ApiError } from '../../api/errors/api-error.js';
import { recordAuditEvent } from '../audit/record-audit-event.js';
import { hashSecret, newSecret } from '../auth/secrets.js';
import type { ServiceContext } from '../service-context.js';
import type { GatewayRow } from './create-gateway.js';
import { parseGatewayPublicKey } from './gateway-keys.js';

/**
 * Exchanges a one-time enrolment token and the gateway's own Ed25519 public key for the gateway's
 * credential. The token row is locked, so two concurrent enrolments with one token cannot both win.
 */
export async function enrollGateway(
  context: Omit<ServiceContext, 'actor'>,
  input: { token: string; publicKey: string; version: string; capabilities: Record<string, unknown> },
): Promise<{ gateway: GatewayRow; credential: string }> {
  parseGatewayPublicKey(input.publicKey);

  return context.db.transaction(async (tx) => {
    const [token] = await tx.select().from(enrolmentTokens).where(eq(enrolmentTokens.tokenHash, hashSecret(input.token))).for('update');
    if (!token) {
      throw new ApiError('unauthenticated', 'the enrolment token is unknown; ask the hospital admin for a new one (gateways.createEnrolmentToken)');
    }
    if (token.usedAt) {
      throw new ApiError('gone', `the enrolment token was already used at ${token.usedAt.toISOString()}; ask for a new token`);
    }
    if (token.expiresAt.getTime() <= context.now.getTime()) {
      throw new ApiError('gone', `the enrolment token expired at ${token.expiresAt.toISOString()}; ask for a new token`);
    }

    const [current] = await tx.select().from(gateways).where(eq(gateways.id, token.gatewayId)).for('update');
    if (!current || current.state === 'revoked') {
      throw new ApiError('gone', 'the gateway this token was issued for has been revoked; create a new gateway');
    }

    const credential = newSecret('gatewayCredential');
    await tx.update(enrolmentTokens).set({ usedAt: context.now }).where(eq(enrolmentTokens.id, token.id));
    const [gateway] = await tx
      .update(gateways)
      .set({
        state: 'active',
        publicKey: input.publicKey,
        credentialHash: hashSecret(credential),
        version: input.version,
        capabilities: input.capabilities,
        enrolledAt: context.now,
        lastSeenAt: context.now,
        updatedAt: context.now,
      })
      .where(eq(gateways.id, token.gatewayId))
      .returning();
    if (!gateway) throw new Error('update of gateways returned no row');

    await recordAuditEvent(tx, {
      organizationId: gateway.organizationId,
      actor: { type: 'gateway', id: gateway.id },
      action: current.state === 'active' ? 'gateway.re_enrolled' : 'gateway.enrolled',
      target: { type: 'gateway', id: gateway.id },
      data: { version: input.version },
      ...(context.requestId ? { requestId: context.requestId } : {}),
    });
    return { gateway, credential };
  });
}
