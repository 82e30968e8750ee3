import { getGateway } from '../../../services/gateways/manage-gateways.js';
import type { ApiApp } from '../../app.js';
import { requireGateway } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { gatewaySchema, toGateway } from './gateway-schema.js';

export const route = defineRoute({
  method: 'get',
  path: '/v1/gateway',
  operationId: 'gateways.getCurrent',
  tags: ['gateways'],
  summary: 'Read the calling gateway',
  security: 'gatewayCredential',
  responses: { 200: jsonResponse(gatewaySchema, 'The gateway.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireGateway(c);
    const gateway = await getGateway(c.get('deps').db, principal.organizationId, principal.gatewayId);
    return c.json(toGateway(gateway), 200);
  });
}
