import { and, eq } from 'drizzle-orm';
import { jobs, rounds, tasks } from '../../../db/schema/index.js';
import { ApiError, notFound } from '../../api/errors/api-error.js';
import type { ServiceContext } from '../service-context.js';
import { recordAuditEvents } from './record-audit-events.js';
import type { TaskRow } from './task-lease.js';

/**
 * Puts a failed task back in the queue with its attempts reset, for example once its gateway is
 * back. Only the job's organization may do it, and only while the task's round is still open.
 */
export async function retryTask(context: ServiceContext, organizationId: string, taskId: string): Promise<TaskRow> {
  return context.db.transaction(async (tx) => {
    const now = context.now;
    const [row] = await tx
      .select({ task: tasks, jobState: jobs.state, roundState: rounds.state, roundNumber: rounds.number })
      .from(tasks)
      .innerJoin(jobs, eq(jobs.id, tasks.jobId))
      .innerJoin(rounds, eq(rounds.id, tasks.roundId))
      .where(and(eq(tasks.id, taskId), eq(tasks.organizationId, organizationId)))
      .for('update', { of: tasks });
    if (!row) throw notFound('task', taskId);
    if (row.task.state !== 'failed') {
      throw new ApiError('invalid_state', `task ${taskId} is ${row.task.state}; only a failed task can be retried`);
    }
    if (row.roundState !== 'open' || (row.jobState !== 'queued' && row.jobState !== 'running')) {
      throw new ApiError('invalid_state', `round ${row.roundNumber} is ${row.roundState} and the job is ${row.jobState}; a task can only be retried while its round is open`);
    }

    const [task] = await tx
      .update(tasks)
      .set({ state: 'pending', attempts: 0, failureReason: null, availableAt: now, updatedAt: now })
      .where(eq(tasks.id, taskId))
      .returning();
    if (!task) throw new Error(`task ${taskId} disappeared while locked`);

    await recordAuditEvents(tx, [
      {
        organizationId,
        actor: context.actor,
        action: 'task.retried',
        target: { type: 'task', id: taskId },
        data: { jobId: task.jobId, round: task.roundNumber, previousReason: row.task.failureReason },
        ...(context.requestId ? { requestId: context.requestId } : {}),
      },
    ]);
    return task;
  });
}
