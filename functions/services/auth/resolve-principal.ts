import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../../../db/client.js';
import { apiKeys, gateways } from '../../../db/schema/index.js';
import type { Principal } from '../../api/context.js';
import { SECRET_PREFIXES, digestsEqual, hashSecret } from './secrets.js';

/**
 * Finds who a bearer secret belongs to: a live API key, an enrolled gateway, or the operator.
 * Returns undefined for anything unknown or revoked; the caller answers 401 without saying which.
 */
export async function resolvePrincipal(
  db: Database,
  secret: string,
  options: { operatorTokenHash?: string; now: Date },
): Promise<Principal | undefined> {
  const secretHash = hashSecret(secret);

  if (secret.startsWith(SECRET_PREFIXES.apiKey)) {
    const [key] = await db
      .select({ id: apiKeys.id, organizationId: apiKeys.organizationId, role: apiKeys.role })
      .from(apiKeys)
      .where(and(eq(apiKeys.secretHash, secretHash), isNull(apiKeys.revokedAt)))
      .limit(1);
    if (!key) return undefined;

    await db.update(apiKeys).set({ lastUsedAt: options.now }).where(eq(apiKeys.id, key.id));
    return { kind: 'user', organizationId: key.organizationId, apiKeyId: key.id, role: key.role };
  }

  if (secret.startsWith(SECRET_PREFIXES.gatewayCredential)) {
    const [gateway] = await db
      .select({ id: gateways.id, organizationId: gateways.organizationId })
      .from(gateways)
      .where(and(eq(gateways.credentialHash, secretHash), eq(gateways.state, 'active')))
      .limit(1);
    if (!gateway) return undefined;
    return { kind: 'gateway', organizationId: gateway.organizationId, gatewayId: gateway.id };
  }

  if (options.operatorTokenHash && digestsEqual(secretHash, options.operatorTokenHash)) {
    return { kind: 'operator' };
  }

  return undefined;
}
