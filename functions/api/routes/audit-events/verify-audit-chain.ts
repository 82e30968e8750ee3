import { z } from '@hono/zod-openapi';
import { verifyAuditChain } from '../../../services/audit/verify-audit-chain.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';

const reportSchema = z
  .object({
    valid: z.boolean(),
    eventsChecked: z.number().int(),
    firstBrokenLink: z
      .object({ sequence: z.number().int(), eventId: z.string(), reason: z.string() })
      .optional()
      .openapi({ description: 'The first event whose link does not hold; absent when the chain is intact.' }),
  })
  .openapi('AuditChainReport');

export const route = defineRoute({
  method: 'post',
  path: '/v1/audit-events/verify',
  operationId: 'auditEvents.verify',
  tags: ['audit'],
  summary: "Recompute the organization's audit chain and report the first broken link",
  security: 'apiKey',
  responses: { 200: jsonResponse(reportSchema, 'The verification report.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, ['owner', 'admin', 'data_officer']);
    return c.json(await verifyAuditChain(c.get('deps').db, principal.organizationId), 200);
  });
}
