import { cancelJob } from '../../../services/jobs/cancel-job.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { jobSchema, toJob } from './job-schema.js';

export const route = defineRoute({
  method: 'post',
  path: '/v1/jobs/{jobId}/cancel',
  operationId: 'jobs.cancel',
  tags: ['jobs'],
  summary: "Cancel a queued or running job of the caller's organization and its open tasks",
  security: 'apiKey',
  request: { params: idParams('jobId', 'job') },
  responses: { 200: jsonResponse(jobSchema, 'The cancelled job.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, ['owner', 'admin', 'data_scientist']);
    const { jobId } = c.req.valid('param');
    const job = await cancelJob(serviceContext(c, principal), principal.organizationId, jobId);
    return c.json(toJob(job), 200);
  });
}
