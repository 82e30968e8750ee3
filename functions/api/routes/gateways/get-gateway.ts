import { getGateway } from '../../../services/gateways/manage-gateways.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { gatewaySchema, toGateway } from './gateway-schema.js';

export const route = defineRoute({
  method: 'get',
  path: '/v1/gateways/{gatewayId}',
  operationId: 'gateways.get',
  tags: ['gateways'],
  summary: 'Read one of the organization’s gateways',
  security: 'apiKey',
  request: { params: idParams('gatewayId', 'gateway') },
  responses: { 200: jsonResponse(gatewaySchema, 'The gateway.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { gatewayId } = c.req.valid('param');
    return c.json(toGateway(await getGateway(c.get('deps').db, principal.organizationId, gatewayId)), 200);
  });
}
