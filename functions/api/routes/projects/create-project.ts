import { z } from '@hono/zod-openapi';
import { createProject } from '../../../services/projects/create-project.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { descriptionSchema, nameSchema } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { partnershipParams } from '../partnerships/partnership-schema.js';
import { PROJECT_EDITOR_ROLES, projectSchema, toProject } from './project-schema.js';

const requestSchema = z
  .object({
    name: nameSchema.openapi({ example: 'Relapse risk after localised breast cancer' }),
    description: descriptionSchema.optional().openapi({ description: 'Free text; defaults to empty.' }),
  })
  .strict()
  .openapi('CreateProjectRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/partnerships/{partnershipId}/projects',
  operationId: 'projects.create',
  tags: ['projects'],
  summary: 'Create a project in an active partnership (owner, admin or data scientist of a member)',
  security: 'apiKey',
  request: { params: partnershipParams, body: jsonBody(requestSchema) },
  responses: { 201: jsonResponse(projectSchema, 'The new project, visible to every member organization.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, PROJECT_EDITOR_ROLES);
    const { partnershipId } = c.req.valid('param');
    const { name, description } = c.req.valid('json');
    const project = await createProject(serviceContext(c, principal), principal.organizationId, { partnershipId, name, description: description ?? '' });
    return c.json(toProject(project), 201);
  });
}
