import { retryTask } from '../../../services/jobs/retry-task.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { taskSchema, toTask } from './task-schema.js';

export const route = defineRoute({
  method: 'post',
  path: '/v1/tasks/{taskId}/retry',
  operationId: 'tasks.retry',
  tags: ['tasks'],
  summary: 'Put a failed task back in the queue with its attempts reset, while its round is open',
  security: 'apiKey',
  request: { params: idParams('taskId', 'task') },
  responses: { 200: jsonResponse(taskSchema, 'The task, pending again.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, ['owner', 'admin', 'data_scientist']);
    const { taskId } = c.req.valid('param');
    const task = await retryTask(serviceContext(c, principal), principal.organizationId, taskId);
    return c.json(toTask(task), 200);
  });
}
