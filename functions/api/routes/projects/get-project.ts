import { getVisibleProject } from '../../../services/projects/get-visible-project.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { projectParams, projectSchema, toProject } from './project-schema.js';

export const route = defineRoute({
  method: 'get',
  path: '/v1/projects/{projectId}',
  operationId: 'projects.get',
  tags: ['projects'],
  summary: "Read a project of a partnership the caller's organization is a member of",
  security: 'apiKey',
  request: { params: projectParams },
  responses: { 200: jsonResponse(projectSchema, 'The project.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { projectId } = c.req.valid('param');
    const project = await getVisibleProject(c.get('deps').db, principal.organizationId, projectId);
    return c.json(toProject(project), 200);
  });
}
