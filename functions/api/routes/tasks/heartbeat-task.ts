import { z } from '@hono/zod-openapi';
import { heartbeatTask } from '../../../services/jobs/heartbeat-task.js';
import { schedulerDependencies } from '../../../services/jobs/scheduler-dependencies.js';
import type { ApiApp } from '../../app.js';
import { requireGateway } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { leaseTokenSchema, taskSchema, toTask } from './task-schema.js';

const requestSchema = z.object({ leaseToken: leaseTokenSchema }).strict().openapi('HeartbeatTaskRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/tasks/{taskId}/heartbeat',
  operationId: 'tasks.heartbeat',
  tags: ['tasks'],
  summary: 'Extend the lease on a task the gateway holds; a 409 means drop the task (errors[0].message names why)',
  security: 'gatewayCredential',
  request: { params: idParams('taskId', 'task'), body: jsonBody(requestSchema) },
  responses: { 200: jsonResponse(taskSchema, 'The task with its new lease expiry.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireGateway(c);
    const deps = schedulerDependencies(c.get('deps'));
    const { taskId } = c.req.valid('param');
    const { leaseToken } = c.req.valid('json');
    const task = await heartbeatTask(deps, principal, { taskId, leaseToken });
    return c.json(toTask(task), 200);
  });
}
