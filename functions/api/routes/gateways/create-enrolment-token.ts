import { z } from '@hono/zod-openapi';
import { reissueEnrolmentToken } from '../../../services/gateways/manage-gateways.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { enrolmentTtlSchema } from './create-gateway.js';
import { enrolmentTokenSchema } from './gateway-schema.js';

const requestSchema = z.object({ enrolmentTtlMinutes: enrolmentTtlSchema }).strict().openapi('CreateEnrolmentTokenRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/gateways/{gatewayId}/enrolment-tokens',
  operationId: 'gateways.createEnrolmentToken',
  tags: ['gateways'],
  summary: 'Issue a new one-time enrolment token for a gateway (owner or admin)',
  security: 'apiKey',
  request: { params: idParams('gatewayId', 'gateway'), body: jsonBody(requestSchema) },
  responses: { 201: jsonResponse(enrolmentTokenSchema, 'The token, shown only here.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, ['owner', 'admin']);
    const { gatewayId } = c.req.valid('param');
    const { enrolmentTtlMinutes } = c.req.valid('json');
    const enrolment = await reissueEnrolmentToken(serviceContext(c, principal), principal.organizationId, gatewayId, enrolmentTtlMinutes);
    return c.json({ token: enrolment.token, expiresAt: enrolment.expiresAt.toISOString() }, 201);
  });
}
