import { listGateways } from '../../../services/gateways/manage-gateways.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../pagination.js';
import { gatewaySchema, toGateway } from './gateway-schema.js';

export const route = defineRoute({
  method: 'get',
  path: '/v1/gateways',
  operationId: 'gateways.list',
  tags: ['gateways'],
  summary: "List the organization's gateways, newest first",
  security: 'apiKey',
  request: { query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(gatewaySchema, 'GatewayPage'), 'A page of gateways.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { limit, cursor } = c.req.valid('query');
    const decoded = decodeCursor(cursor);
    const rows = await listGateways(c.get('deps').db, principal.organizationId, { limit, ...(decoded ? { cursor: decoded } : {}) });
    return c.json(toPage(rows, limit, toGateway, (row) => ({ sortKey: row.createdAt.toISOString(), id: row.id })), 200);
  });
}
