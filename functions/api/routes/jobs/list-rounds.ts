import { z } from '@hono/zod-openapi';
import { listRounds } from '../../../services/jobs/list-rounds.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { roundSchema, toRound } from './job-schema.js';

const roundListSchema = z.object({ items: z.array(roundSchema) }).openapi('RoundList');

export const route = defineRoute({
  method: 'get',
  path: '/v1/jobs/{jobId}/rounds',
  operationId: 'jobs.listRounds',
  tags: ['jobs'],
  summary: "List a job's rounds with their metrics and every site's task status",
  security: 'apiKey',
  request: { params: idParams('jobId', 'job') },
  responses: { 200: jsonResponse(roundListSchema, 'Every round, oldest first.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { jobId } = c.req.valid('param');
    const roundsWithSites = await listRounds(c.get('deps').db, principal.organizationId, jobId);
    return c.json({ items: roundsWithSites.map(toRound) }, 200);
  });
}
