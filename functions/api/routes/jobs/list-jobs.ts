import { listJobs } from '../../../services/jobs/list-jobs.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../pagination.js';
import { idParams } from '../../schemas/common.js';
import { jobSchema, toJob } from './job-schema.js';

export const route = defineRoute({
  method: 'get',
  path: '/v1/projects/{projectId}/jobs',
  operationId: 'jobs.list',
  tags: ['jobs'],
  summary: "List a project's jobs, newest first",
  security: 'apiKey',
  request: { params: idParams('projectId', 'project'), query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(jobSchema, 'JobPage'), 'A page of jobs.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { projectId } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    const decoded = decodeCursor(cursor);
    const rows = await listJobs(c.get('deps').db, principal.organizationId, projectId, { limit, ...(decoded ? { cursor: decoded } : {}) });
    return c.json(
      toPage(rows, limit, toJob, (row) => ({ sortKey: row.createdAt.toISOString(), id: row.id })),
      200,
    );
  });
}
