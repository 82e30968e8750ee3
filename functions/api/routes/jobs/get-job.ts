import { findVisibleJob } from '../../../services/jobs/project-access.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { jobSchema, toJob } from './job-schema.js';

export const route = defineRoute({
  method: 'get',
  path: '/v1/jobs/{jobId}',
  operationId: 'jobs.get',
  tags: ['jobs'],
  summary: 'Read a job: state, current round, settings and failure reason',
  security: 'apiKey',
  request: { params: idParams('jobId', 'job') },
  responses: { 200: jsonResponse(jobSchema, 'The job.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { jobId } = c.req.valid('param');
    const job = await findVisibleJob(c.get('deps').db, principal.organizationId, jobId);
    return c.json(toJob(job), 200);
  });
}
