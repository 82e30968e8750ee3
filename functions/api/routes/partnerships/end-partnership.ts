import { endPartnership } from '../../../services/partnerships/end-partnership.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { serviceContext } from '../../service-context.js';
import { PARTNERSHIP_MANAGER_ROLES, partnershipParams, partnershipSchema, toPartnership } from './partnership-schema.js';

export const route = defineRoute({
  method: 'post',
  path: '/v1/partnerships/{partnershipId}/end',
  operationId: 'partnerships.end',
  tags: ['partnerships'],
  summary: 'End a proposed or active partnership (owner or admin of any member); its projects are frozen',
  security: 'apiKey',
  request: { params: partnershipParams },
  responses: { 200: jsonResponse(partnershipSchema, 'The ended partnership.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, PARTNERSHIP_MANAGER_ROLES);
    const { partnershipId } = c.req.valid('param');
    const partnership = await endPartnership(serviceContext(c, principal), principal.organizationId, partnershipId);
    return c.json(toPartnership(partnership), 200);
  });
}
