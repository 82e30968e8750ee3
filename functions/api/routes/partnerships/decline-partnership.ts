import { declinePartnership } from '../../../services/partnerships/decline-partnership.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { serviceContext } from '../../service-context.js';
import { PARTNERSHIP_MANAGER_ROLES, partnershipParams, partnershipSchema, toPartnership } from './partnership-schema.js';

export const route = defineRoute({
  method: 'post',
  path: '/v1/partnerships/{partnershipId}/decline',
  operationId: 'partnerships.decline',
  tags: ['partnerships'],
  summary: 'Decline an invitation to a partnership (owner or admin of an invited organization); one decline declines it',
  security: 'apiKey',
  request: { params: partnershipParams },
  responses: { 200: jsonResponse(partnershipSchema, 'The declined partnership.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, PARTNERSHIP_MANAGER_ROLES);
    const { partnershipId } = c.req.valid('param');
    const partnership = await declinePartnership(serviceContext(c, principal), principal.organizationId, partnershipId);
    return c.json(toPartnership(partnership), 200);
  });
}
