import { and, eq } from 'drizzle-orm';
import { apiKeys } from '../../../db/schema/index.js';
import { ApiError, notFound } from '../../api/errors/api-error.js';
import { recordAuditEvent } from '../audit/record-audit-event.js';
import type { ServiceContext } from '../service-context.js';
import type { ApiKeyRow } from './create-api-key.js';

/** Revokes a key of the caller's organization; revoking twice is rejected so the caller learns it was already done. */
export async function revokeApiKey(context: ServiceContext, organizationId: string, apiKeyId: string): Promise<ApiKeyRow> {
  return context.db.transaction(async (tx) => {
    const [key] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, apiKeyId), eq(apiKeys.organizationId, organizationId)))
      .for('update');
    if (!key) throw notFound('API key', apiKeyId);
    if (key.revokedAt) throw new ApiError('invalid_state', `API key ${apiKeyId} was already revoked at ${key.revokedAt.toISOString()}`);

    const [revoked] = await tx.update(apiKeys).set({ revokedAt: context.now }).where(eq(apiKeys.id, apiKeyId)).returning();
    if (!revoked) throw notFound('API key', apiKeyId);

    await recordAuditEvent(tx, {
      organizationId,
      actor: context.actor,
      action: 'api_key.revoked',
      target: { type: 'api_key', id: apiKeyId },
      data: { name: key.name, role: key.role },
      ...(context.requestId ? { requestId: context.requestId } : {}),
    });
    return revoked;
  });
}
