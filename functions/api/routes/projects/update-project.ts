import { z } from '@hono/zod-openapi';
import { updateProject } from '../../../services/projects/update-project.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { descriptionSchema, nameSchema } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { PROJECT_EDITOR_ROLES, projectParams, projectSchema, toProject } from './project-schema.js';

const requestSchema = z
  .object({ name: nameSchema.optional(), description: descriptionSchema.optional() })
  .strict()
  .refine((changes) => changes.name !== undefined || changes.description !== undefined, {
    message: 'send name, description or both',
  })
  .openapi('UpdateProjectRequest');

export const route = defineRoute({
  method: 'patch',
  path: '/v1/projects/{projectId}',
  operationId: 'projects.update',
  tags: ['projects'],
  summary: 'Rename or redescribe an active project (owner, admin or data scientist of a member)',
  security: 'apiKey',
  request: { params: projectParams, body: jsonBody(requestSchema) },
  responses: { 200: jsonResponse(projectSchema, 'The updated project.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, PROJECT_EDITOR_ROLES);
    const { projectId } = c.req.valid('param');
    const changes = c.req.valid('json');
    const project = await updateProject(serviceContext(c, principal), principal.organizationId, projectId, changes);
    return c.json(toProject(project), 200);
  });
}
