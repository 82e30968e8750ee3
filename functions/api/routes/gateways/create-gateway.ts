import { z } from '@hono/zod-openapi';
import { DEFAULT_ENROLMENT_TTL_MINUTES, createGateway } from '../../../services/gateways/create-gateway.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { nameSchema } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { enrolmentTokenSchema, gatewaySchema, toGateway } from './gateway-schema.js';

export const enrolmentTtlSchema = z
  .number()
  .int()
  .min(5)
  .max(7 * 24 * 60)
  .default(DEFAULT_ENROLMENT_TTL_MINUTES)
  .openapi({ description: 'Minutes before the enrolment token expires (5 to 10080; one day by default).' });

const requestSchema = z
  .object({ name: nameSchema.openapi({ example: 'Oncology data warehouse gateway' }), enrolmentTtlMinutes: enrolmentTtlSchema })
  .strict()
  .openapi('CreateGatewayRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/gateways',
  operationId: 'gateways.create',
  tags: ['gateways'],
  summary: 'Create a gateway and its one-time enrolment token (hospital owner or admin)',
  security: 'apiKey',
  request: { body: jsonBody(requestSchema) },
  responses: {
    201: jsonResponse(
      z.object({ gateway: gatewaySchema, enrolment: enrolmentTokenSchema }).openapi('CreatedGateway'),
      'The gateway, waiting for enrolment, and its token.',
    ),
  },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, ['owner', 'admin']);
    const input = c.req.valid('json');
    const { gateway, enrolment } = await createGateway(serviceContext(c, principal), {
      organizationId: principal.organizationId,
      name: input.name,
      enrolmentTtlMinutes: input.enrolmentTtlMinutes,
    });
    return c.json({ gateway: toGateway(gateway), enrolment: { token: enrolment.token, expiresAt: enrolment.expiresAt.toISOString() } }, 201);
  });
}
