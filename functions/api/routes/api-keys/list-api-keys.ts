import { listApiKeys } from '../../../services/api-keys/list-api-keys.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../pagination.js';
import { apiKeySchema, toApiKey } from './api-key-schema.js';

export const route = defineRoute({
  method: 'get',
  path: '/v1/api-keys',
  operationId: 'apiKeys.list',
  tags: ['api-keys'],
  summary: "List the organization's API keys, newest first (never their secrets)",
  security: 'apiKey',
  request: { query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(apiKeySchema, 'ApiKeyPage'), 'A page of keys.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, ['owner', 'admin']);
    const { limit, cursor } = c.req.valid('query');
    const decoded = decodeCursor(cursor);
    const rows = await listApiKeys(c.get('deps').db, principal.organizationId, { limit, ...(decoded ? { cursor: decoded } : {}) });
    return c.json(
      toPage(rows, limit, toApiKey, (row) => ({ sortKey: row.createdAt.toISOString(), id: row.id })),
      200,
    );
  });
}
