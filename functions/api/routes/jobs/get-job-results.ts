import { findVisibleJob } from '../../../services/jobs/project-access.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { jobResultsSchema } from './job-schema.js';

export const route = defineRoute({
  method: 'get',
  path: '/v1/jobs/{jobId}/results',
  operationId: 'jobs.getResults',
  tags: ['jobs'],
  summary: "Read a job's results: final once it succeeded, else those of the last completed round",
  security: 'apiKey',
  request: { params: idParams('jobId', 'job') },
  responses: { 200: jsonResponse(jobResultsSchema, 'The results JSON of the computation.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { jobId } = c.req.valid('param');
    const job = await findVisibleJob(c.get('deps').db, principal.organizationId, jobId);
    const final = job.state === 'succeeded';
    // While running, currentRound is the open round, so the completed ones are those before it.
    const completedRounds = final ? job.currentRound : job.currentRound - 1;
    return c.json({ jobId: job.id, state: job.state, final, completedRounds, results: job.results }, 200);
  });
}
