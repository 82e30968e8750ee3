import { and, eq, inArray } from 'drizzle-orm';
import { tasks } from '../../../db/schema/index.js';
import { ApiError } from '../../api/errors/api-error.js';
import { recordAuditEvents } from './record-audit-events.js';
import type { SchedulerDependencies } from './scheduler-dependencies.js';
import { assertLeaseHeld, loadGatewayTask, type TaskRow } from './task-lease.js';

/**
 * Records a gateway's refusal of a task (its site policy forbids it). A pending task can be
 * refused without claiming it; a leased one only by the lease holder. The refusal is final for
 * the round and counts as a missing result for the quorum.
 */
export async function refuseTask(
  deps: SchedulerDependencies,
  gateway: { organizationId: string; gatewayId: string },
  input: { taskId: string; leaseToken?: string; reason: string },
  options: { requestId?: string } = {},
): Promise<TaskRow> {
  return deps.db.transaction(async (tx) => {
    const now = deps.now();
    const target = await loadGatewayTask(tx, gateway.gatewayId, input.taskId, { lock: true });

    if (target.task.state === 'leased') {
      if (input.leaseToken === undefined) {
        throw new ApiError('conflict', `task ${input.taskId} is leased; send the lease token to refuse it`, {
          errors: [{ path: 'body.leaseToken', message: 'required for a leased task' }],
        });
      }
      assertLeaseHeld(target, input.leaseToken, now);
    } else if (target.task.state !== 'pending') {
      throw new ApiError('conflict', `task ${input.taskId} is ${target.task.state}; only a pending or leased task can be refused`);
    } else if (target.round.state !== 'open' || !['queued', 'running'].includes(target.job.state)) {
      throw new ApiError('conflict', `round ${target.round.number} of job ${target.job.id} is ${target.round.state} and the job is ${target.job.state}; nothing to refuse`);
    }

    const [task] = await tx
      .update(tasks)
      .set({ state: 'refused', failureReason: input.reason, leaseToken: null, leaseExpiresAt: null, updatedAt: now })
      .where(and(eq(tasks.id, input.taskId), inArray(tasks.state, ['pending', 'leased'])))
      .returning();
    if (!task) throw new Error(`task ${input.taskId} changed state while locked`);

    await recordAuditEvents(tx, [
      {
        organizationId: gateway.organizationId,
        actor: { type: 'gateway', id: gateway.gatewayId },
        action: 'task.refused',
        target: { type: 'task', id: task.id },
        data: { jobId: task.jobId, round: task.roundNumber, datasetId: task.datasetId, reason: input.reason },
        ...(options.requestId ? { requestId: options.requestId } : {}),
      },
      {
        organizationId: target.job.organizationId,
        actor: { type: 'gateway', id: gateway.gatewayId },
        action: 'task.refused',
        target: { type: 'task', id: task.id },
        data: { jobId: task.jobId, round: task.roundNumber, gatewayId: gateway.gatewayId, reason: input.reason },
        ...(options.requestId ? { requestId: options.requestId } : {}),
      },
    ]);
    return task;
  });
}
