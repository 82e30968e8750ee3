import { z } from '@hono/zod-openapi';
import { announceRoundChange } from '../../../services/jobs/announce-round-change.js';
import { refuseTask } from '../../../services/jobs/refuse-task.js';
import { schedulerDependencies } from '../../../services/jobs/scheduler-dependencies.js';
import type { ApiApp } from '../../app.js';
import { requireGateway } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { leaseTokenSchema, taskSchema, toTask } from './task-schema.js';

const requestSchema = z
  .object({
    leaseToken: leaseTokenSchema.optional().openapi({ description: 'Required when the task is leased; a pending task can be refused without claiming it.' }),
    reason: z.string().trim().min(1).max(2000).openapi({ description: 'Why the site policy refuses the task, shown to the job owner and kept in the audit trail.' }),
  })
  .strict()
  .openapi('RefuseTaskRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/tasks/{taskId}/refuse',
  operationId: 'tasks.refuse',
  tags: ['tasks'],
  summary: "Refuse a task because the site's policy forbids it; it counts as missing for the quorum",
  security: 'gatewayCredential',
  request: { params: idParams('taskId', 'task'), body: jsonBody(requestSchema) },
  responses: { 200: jsonResponse(taskSchema, 'The refused task.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireGateway(c);
    const deps = schedulerDependencies(c.get('deps'));
    const { taskId } = c.req.valid('param');
    const input = c.req.valid('json');
    const task = await refuseTask(deps, principal, { taskId, reason: input.reason, ...(input.leaseToken ? { leaseToken: input.leaseToken } : {}) }, { requestId: c.get('requestId') });
    await announceRoundChange(deps, { jobId: task.jobId, roundId: task.roundId, organizationId: task.organizationId });
    return c.json(toTask(task), 200);
  });
}
