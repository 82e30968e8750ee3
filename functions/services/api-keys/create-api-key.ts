import type { Executor } from '../../../db/client.js';
import { newId } from '../../../db/ids.js';
import { apiKeys, type Role } from '../../../db/schema/index.js';
import { recordAuditEvent } from '../audit/record-audit-event.js';
import { hashSecret, newSecret } from '../auth/secrets.js';
import type { ServiceContext } from '../service-context.js';

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export interface CreatedApiKey {
  key: ApiKeyRow;
  /** The bearer secret, returned once at creation and never again. */
  secret: string;
}

/** Characters of the secret kept for display, enough to tell keys apart, far too few to use. */
const DISPLAY_PREFIX_LENGTH = 12;

/** Creates a key inside an open transaction, with its audit event. */
export async function createApiKeyInTransaction(
  tx: Executor,
  context: ServiceContext,
  input: { organizationId: string; name: string; role: Role },
): Promise<CreatedApiKey> {
  const secret = newSecret('apiKey');
  const [key] = await tx
    .insert(apiKeys)
    .values({
      id: newId('apiKey'),
      organizationId: input.organizationId,
      name: input.name,
      role: input.role,
      prefix: secret.slice(0, DISPLAY_PREFIX_LENGTH),
      secretHash: hashSecret(secret),
      createdBy: context.actor.id,
      createdAt: context.now,
    })
    .returning();
  if (!key) throw new Error('insert into api_keys returned no row');

  await recordAuditEvent(tx, {
    organizationId: input.organizationId,
    actor: context.actor,
    action: 'api_key.created',
    target: { type: 'api_key', id: key.id },
    data: { name: key.name, role: key.role },
    ...(context.requestId ? { requestId: context.requestId } : {}),
  });
  return { key, secret };
}

export async function createApiKey(
  context: ServiceContext,
  input: { organizationId: string; name: string; role: Role },
): Promise<CreatedApiKey> {
  return context.db.transaction((tx) => createApiKeyInTransaction(tx, context, input));
}
