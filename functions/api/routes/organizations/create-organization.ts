import { z } from '@hono/zod-openapi';
import { ORGANIZATION_KINDS } from '../../../../db/schema/index.js';
import { createOrganization } from '../../../services/organizations/create-organization.js';
import type { ApiApp } from '../../app.js';
import { requireOperator } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { nameSchema } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { createdApiKeySchema, toApiKey } from '../api-keys/api-key-schema.js';
import { organizationSchema, toOrganization } from './organization-schema.js';

const requestSchema = z
  .object({
    name: nameSchema.openapi({ example: 'Centre de lutte contre le cancer' }),
    kind: z.enum(ORGANIZATION_KINDS),
    ownerKeyName: nameSchema.optional().openapi({ description: 'Name of the first owner key; defaults to "owner".' }),
  })
  .strict()
  .openapi('CreateOrganizationRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/organizations',
  operationId: 'organizations.create',
  tags: ['organizations'],
  summary: 'Create an organization and its first owner key (operator only)',
  security: 'operatorToken',
  request: { body: jsonBody(requestSchema) },
  responses: {
    201: jsonResponse(
      z.object({ organization: organizationSchema, ownerKey: createdApiKeySchema }).openapi('CreatedOrganization'),
      'The organization and its owner key; the key secret is shown only here.',
    ),
  },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    requireOperator(c);
    const input = c.req.valid('json');
    const { organization, ownerKey } = await createOrganization(serviceContext(c, { kind: 'operator' }), input);
    return c.json({ organization: toOrganization(organization), ownerKey: { apiKey: toApiKey(ownerKey.key), secret: ownerKey.secret } }, 201);
  });
}
