import { z } from '@hono/zod-openapi';
import { and, asc, eq, gt } from 'drizzle-orm';
import { auditEvents } from '../../../../db/schema/index.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../pagination.js';
import { idSchema, timestampSchema } from '../../schemas/common.js';

export const auditEventSchema = z
  .object({
    id: idSchema('auditEvent'),
    organizationId: idSchema('organization'),
    sequence: z.number().int(),
    actorType: z.enum(['api_key', 'gateway', 'operator', 'system']),
    actorId: z.string(),
    action: z.string().openapi({ example: 'dataset_link.approved' }),
    targetType: z.string(),
    targetId: z.string(),
    data: z.record(z.string(), z.unknown()),
    requestId: z.string().nullable(),
    occurredAt: timestampSchema,
    previousHash: z.string(),
    hash: z.string(),
  })
  .openapi('AuditEvent');

export const route = defineRoute({
  method: 'get',
  path: '/v1/audit-events',
  operationId: 'auditEvents.list',
  tags: ['audit'],
  summary: "List the organization's audit events in chain order (owner, admin or data officer)",
  security: 'apiKey',
  request: { query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(auditEventSchema, 'AuditEventPage'), 'A page of events, oldest first.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, ['owner', 'admin', 'data_officer']);
    const { limit, cursor } = c.req.valid('query');
    const after = decodeCursor(cursor);
    const rows = await c
      .get('deps')
      .db.select()
      .from(auditEvents)
      .where(and(eq(auditEvents.organizationId, principal.organizationId), after ? gt(auditEvents.sequence, Number(after.sortKey)) : undefined))
      .orderBy(asc(auditEvents.sequence))
      .limit(limit + 1);
    const page = toPage(
      rows,
      limit,
      (row) => ({ ...row, occurredAt: row.occurredAt.toISOString() }),
      (row) => ({ sortKey: row.sequence, id: row.id }),
    );
    return c.json(page, 200);
  });
}
