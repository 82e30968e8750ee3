import { z } from '@hono/zod-openapi';
import { createPartnership } from '../../../services/partnerships/create-partnership.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { idSchema } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { PARTNERSHIP_MANAGER_ROLES, partnershipSchema, toPartnership } from './partnership-schema.js';

/** Maximum invitations per proposal: an estimate of the largest consortium, to bound the work of one request. */
const MAX_INVITED_ORGANIZATIONS = 50;

const requestSchema = z
  .object({
    purpose: z
      .string()
      .trim()
      .min(1)
      .max(4000)
      .openapi({ example: 'Risk of relapse after localised breast cancer: federated Cox model on GBSG2-like cohorts.' }),
    endsOn: z.iso.date().openapi({ description: 'Last day of the collaboration (ISO date, after today in UTC).', example: '2027-12-31' }),
    invitedOrganizationIds: z
      .array(idSchema('organization'))
      .min(1)
      .max(MAX_INVITED_ORGANIZATIONS)
      .superRefine((ids, context) => {
        ids.forEach((id, index) => {
          if (ids.indexOf(id) !== index) context.addIssue({ code: 'custom', path: [index], message: `repeats organization ${id}` });
        });
      })
      .openapi({ description: 'The other organizations; each must accept before the partnership becomes active.' }),
  })
  .strict()
  .openapi('CreatePartnershipRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/partnerships',
  operationId: 'partnerships.create',
  tags: ['partnerships'],
  summary: 'Propose a partnership to other organizations (owner or admin)',
  security: 'apiKey',
  request: { body: jsonBody(requestSchema) },
  responses: { 201: jsonResponse(partnershipSchema, 'The proposed partnership.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, PARTNERSHIP_MANAGER_ROLES);
    const input = c.req.valid('json');
    const created = await createPartnership(serviceContext(c, principal), principal.organizationId, input);
    return c.json(toPartnership(created), 201);
  });
}
