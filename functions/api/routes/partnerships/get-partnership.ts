import { getPartnership } from '../../../services/partnerships/get-visible-partnership.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { partnershipParams, partnershipSchema, toPartnership } from './partnership-schema.js';

export const route = defineRoute({
  method: 'get',
  path: '/v1/partnerships/{partnershipId}',
  operationId: 'partnerships.get',
  tags: ['partnerships'],
  summary: "Read a partnership the caller's organization is a member of",
  security: 'apiKey',
  request: { params: partnershipParams },
  responses: { 200: jsonResponse(partnershipSchema, 'The partnership.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { partnershipId } = c.req.valid('param');
    const partnership = await getPartnership(c.get('deps').db, principal.organizationId, partnershipId);
    return c.json(toPartnership(partnership), 200);
  });
}
