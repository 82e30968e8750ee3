import { getOrganization } from '../../../services/organizations/get-organization.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { organizationSchema, toOrganization } from './organization-schema.js';

export const route = defineRoute({
  method: 'get',
  path: '/v1/organization',
  operationId: 'organizations.getCurrent',
  tags: ['organizations'],
  summary: "Read the calling key's organization",
  security: 'apiKey',
  responses: { 200: jsonResponse(organizationSchema, 'The organization.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const organization = await getOrganization(c.get('deps').db, principal.organizationId);
    return c.json(toOrganization(organization), 200);
  });
}
