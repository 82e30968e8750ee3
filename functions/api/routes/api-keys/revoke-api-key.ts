import { revokeApiKey } from '../../../services/api-keys/revoke-api-key.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { apiKeySchema, toApiKey } from './api-key-schema.js';

export const route = defineRoute({
  method: 'post',
  path: '/v1/api-keys/{apiKeyId}/revoke',
  operationId: 'apiKeys.revoke',
  tags: ['api-keys'],
  summary: 'Revoke an API key (owner or admin); it stops working at once',
  security: 'apiKey',
  request: { params: idParams('apiKeyId', 'apiKey') },
  responses: { 200: jsonResponse(apiKeySchema, 'The revoked key.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, ['owner', 'admin']);
    const { apiKeyId } = c.req.valid('param');
    const key = await revokeApiKey(serviceContext(c, principal), principal.organizationId, apiKeyId);
    return c.json(toApiKey(key), 200);
  });
}
