import { z } from '@hono/zod-openapi';
import { enrollGateway } from '../../../services/gateways/enroll-gateway.js';
import type { ApiApp } from '../../app.js';
import { problemSchema } from '../../errors/problem.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { gatewayReportSchema, gatewaySchema, toGateway } from './gateway-schema.js';

const requestSchema = z
  .object({
    token: z.string().min(10).max(256).openapi({ description: 'The one-time enrolment token.' }),
    publicKey: z.string().min(40).max(200).openapi({ description: "The gateway's Ed25519 public key, SPKI DER as base64." }),
    ...gatewayReportSchema,
  })
  .strict()
  .openapi('EnrollGatewayRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/gateways/enroll',
  operationId: 'gateways.enroll',
  tags: ['gateways'],
  summary: 'Enrol a gateway with its one-time token and public key; returns its credential',
  description: 'Authenticated by the enrolment token in the body, not by a header. The token works once and expires.',
  security: 'none',
  request: { body: jsonBody(requestSchema) },
  responses: {
    200: jsonResponse(
      z
        .object({
          gateway: gatewaySchema,
          credential: z.string().openapi({ description: 'Bearer credential of the gateway (`ongw_…`), shown only here.' }),
        })
        .openapi('EnrolledGateway'),
      'The enrolled gateway and its credential.',
    ),
    410: {
      description: 'The token was already used or has expired.',
      content: { 'application/problem+json': { schema: problemSchema } },
    },
  },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const input = c.req.valid('json');
    const deps = c.get('deps');
    const { gateway, credential } = await enrollGateway(
      { db: deps.db, requestId: c.get('requestId'), now: deps.now?.() ?? new Date() },
      input,
    );
    return c.json({ gateway: toGateway(gateway), credential }, 200);
  });
}
