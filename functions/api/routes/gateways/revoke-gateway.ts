import { revokeGateway } from '../../../services/gateways/manage-gateways.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { gatewaySchema, toGateway } from './gateway-schema.js';

export const route = defineRoute({
  method: 'post',
  path: '/v1/gateways/{gatewayId}/revoke',
  operationId: 'gateways.revoke',
  tags: ['gateways'],
  summary: 'Revoke a gateway (owner or admin); its credential stops working at once',
  security: 'apiKey',
  request: { params: idParams('gatewayId', 'gateway') },
  responses: { 200: jsonResponse(gatewaySchema, 'The revoked gateway.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, ['owner', 'admin']);
    const { gatewayId } = c.req.valid('param');
    return c.json(toGateway(await revokeGateway(serviceContext(c, principal), principal.organizationId, gatewayId)), 200);
  });
}
