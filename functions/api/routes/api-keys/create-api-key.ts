import { z } from '@hono/zod-openapi';
import { createApiKey } from '../../../services/api-keys/create-api-key.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { ApiError } from '../../errors/api-error.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { nameSchema, roleSchema } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { createdApiKeySchema, toApiKey } from './api-key-schema.js';

const requestSchema = z.object({ name: nameSchema, role: roleSchema }).strict().openapi('CreateApiKeyRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/api-keys',
  operationId: 'apiKeys.create',
  tags: ['api-keys'],
  summary: 'Create an API key (owner or admin; only an owner creates owner keys)',
  security: 'apiKey',
  request: { body: jsonBody(requestSchema) },
  responses: { 201: jsonResponse(createdApiKeySchema, 'The key and its secret, shown only here.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, ['owner', 'admin']);
    const input = c.req.valid('json');
    if (input.role === 'owner' && principal.role !== 'owner') {
      throw new ApiError('forbidden', 'only an owner may create an owner key; ask an owner or choose another role');
    }
    const created = await createApiKey(serviceContext(c, principal), { organizationId: principal.organizationId, ...input });
    return c.json({ apiKey: toApiKey(created.key), secret: created.secret }, 201);
  });
}
