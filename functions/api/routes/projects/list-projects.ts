import { listProjects } from '../../../services/projects/list-projects.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../pagination.js';
import { idSchema } from '../../schemas/common.js';
import { projectSchema, projectStateSchema, toProject } from './project-schema.js';

const querySchema = pageQuerySchema.extend({
  partnershipId: idSchema('partnership').optional().openapi({ description: 'Only the projects of this partnership.' }),
  state: projectStateSchema.optional().openapi({ description: 'Only projects in this state.' }),
});

export const route = defineRoute({
  method: 'get',
  path: '/v1/projects',
  operationId: 'projects.list',
  tags: ['projects'],
  summary: "List the projects of every partnership the caller's organization is a member of, newest first",
  security: 'apiKey',
  request: { query: querySchema },
  responses: { 200: jsonResponse(pageSchema(projectSchema, 'ProjectPage'), 'A page of projects.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { limit, cursor, partnershipId, state } = c.req.valid('query');
    const decoded = decodeCursor(cursor);
    const rows = await listProjects(c.get('deps').db, principal.organizationId, {
      limit,
      ...(decoded ? { cursor: decoded } : {}),
      ...(partnershipId ? { partnershipId } : {}),
      ...(state ? { state } : {}),
    });
    return c.json(
      toPage(rows, limit, toProject, (row) => ({ sortKey: row.createdAt.toISOString(), id: row.id })),
      200,
    );
  });
}
