import { z } from '@hono/zod-openapi';
import { renameOrganization } from '../../../services/organizations/rename-organization.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { nameSchema } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { organizationSchema, toOrganization } from './organization-schema.js';

const requestSchema = z.object({ name: nameSchema }).strict().openapi('UpdateOrganizationRequest');

export const route = defineRoute({
  method: 'patch',
  path: '/v1/organization',
  operationId: 'organizations.updateCurrent',
  tags: ['organizations'],
  summary: "Rename the calling key's organization (owner or admin)",
  security: 'apiKey',
  request: { body: jsonBody(requestSchema) },
  responses: { 200: jsonResponse(organizationSchema, 'The renamed organization.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, ['owner', 'admin']);
    const { name } = c.req.valid('json');
    const organization = await renameOrganization(serviceContext(c, principal), principal.organizationId, name);
    return c.json(toOrganization(organization), 200);
  });
}
