import { z } from '@hono/zod-openapi';
import { recordGatewayHeartbeat } from '../../../services/gateways/manage-gateways.js';
import type { ApiApp } from '../../app.js';
import { requireGateway } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { timestampSchema } from '../../schemas/common.js';
import { gatewayReportSchema, gatewaySchema, toGateway } from './gateway-schema.js';

const requestSchema = z.object(gatewayReportSchema).strict().openapi('GatewayHeartbeatRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/gateway/heartbeat',
  operationId: 'gateways.heartbeat',
  tags: ['gateways'],
  summary: "Record the calling gateway's version, capabilities and last-seen time",
  security: 'gatewayCredential',
  request: { body: jsonBody(requestSchema) },
  responses: {
    200: jsonResponse(z.object({ gateway: gatewaySchema, serverTime: timestampSchema }).openapi('GatewayHeartbeat'), 'The updated gateway.'),
  },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireGateway(c);
    const input = c.req.valid('json');
    const now = c.get('deps').now?.() ?? new Date();
    const gateway = await recordGatewayHeartbeat(c.get('deps').db, principal.gatewayId, { ...input, now });
    return c.json({ gateway: toGateway(gateway), serverTime: now.toISOString() }, 200);
  });
}
