import { listPartnerships } from '../../../services/partnerships/list-partnerships.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../pagination.js';
import { partnershipSchema, partnershipStateSchema, toPartnership } from './partnership-schema.js';

const querySchema = pageQuerySchema.extend({
  state: partnershipStateSchema.optional().openapi({ description: 'Only partnerships in this state.' }),
});

export const route = defineRoute({
  method: 'get',
  path: '/v1/partnerships',
  operationId: 'partnerships.list',
  tags: ['partnerships'],
  summary: "List the partnerships the caller's organization is a member of, newest first",
  security: 'apiKey',
  request: { query: querySchema },
  responses: { 200: jsonResponse(pageSchema(partnershipSchema, 'PartnershipPage'), 'A page of partnerships.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { limit, cursor, state } = c.req.valid('query');
    const decoded = decodeCursor(cursor);
    const rows = await listPartnerships(c.get('deps').db, principal.organizationId, {
      limit,
      ...(decoded ? { cursor: decoded } : {}),
      ...(state ? { state } : {}),
    });
    return c.json(
      toPage(rows, limit, toPartnership, (row) => ({ sortKey: row.partnership.createdAt.toISOString(), id: row.partnership.id })),
      200,
    );
  });
}
