import { z } from '@hono/zod-openapi';
import type { ApiKeyRow } from '../../../services/api-keys/create-api-key.js';
import { idSchema, roleSchema, timestampSchema } from '../../schemas/common.js';

export const apiKeySchema = z
  .object({
    id: idSchema('apiKey'),
    organizationId: idSchema('organization'),
    name: z.string(),
    role: roleSchema,
    prefix: z.string().openapi({ description: 'First characters of the secret, to tell keys apart.' }),
    createdAt: timestampSchema,
    lastUsedAt: timestampSchema.nullable(),
    revokedAt: timestampSchema.nullable(),
  })
  .openapi('ApiKey');

export const createdApiKeySchema = z
  .object({
    apiKey: apiKeySchema,
    secret: z.string().openapi({ description: 'The bearer secret. Shown only in this response: store it now.' }),
  })
  .openapi('CreatedApiKey');

export function toApiKey(row: ApiKeyRow): z.infer<typeof apiKeySchema> {
  return {
    id: row.id,
    organizationId: row.organizationId,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
