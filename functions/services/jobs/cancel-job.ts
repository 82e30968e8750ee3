import { and, eq, inArray } from 'drizzle-orm';
import { jobs, rounds, tasks, TERMINAL_JOB_STATES } from '../../../db/schema/index.js';
import { ApiError } from '../../api/errors/api-error.js';
import type { ServiceContext } from '../service-context.js';
import { findVisibleJob, type JobRow } from './project-access.js';
import { recordAuditEvents } from './record-audit-events.js';

/**
 * Cancels a live job of the caller's organization: its open or aggregating round fails with the
 * reason "job cancelled" and every pending or leased task is cancelled, so gateways holding one get
 * a 409 on their next heartbeat or submit. A running aggregation finds its round gone and writes nothing.
 */
export async function cancelJob(context: ServiceContext, organizationId: string, jobId: string): Promise<JobRow> {
  const visible = await findVisibleJob(context.db, organizationId, jobId);
  if (visible.organizationId !== organizationId) {
    throw new ApiError('forbidden', `job ${jobId} belongs to organization ${visible.organizationId}; only that organization can cancel it`);
  }

  return context.db.transaction(async (tx) => {
    const now = context.now;
    const [job] = await tx.select().from(jobs).where(eq(jobs.id, jobId)).for('update');
    if (!job) throw new Error(`job ${jobId} disappeared`);
    if (TERMINAL_JOB_STATES.includes(job.state)) {
      throw new ApiError('invalid_state', `job ${jobId} is already ${job.state}; only a queued or running job can be cancelled`);
    }

    await tx
      .update(rounds)
      .set({ state: 'failed', failureReason: 'job cancelled', closedAt: now, updatedAt: now })
      .where(and(eq(rounds.jobId, jobId), inArray(rounds.state, ['open', 'aggregating'])));
    const cancelledTasks = await tx
      .update(tasks)
      .set({ state: 'cancelled', failureReason: 'job cancelled', leaseToken: null, leaseExpiresAt: null, updatedAt: now })
      .where(and(eq(tasks.jobId, jobId), inArray(tasks.state, ['pending', 'leased'])))
      .returning({ id: tasks.id });
    const [cancelled] = await tx
      .update(jobs)
      .set({ state: 'cancelled', failureReason: 'cancelled by the user', finishedAt: now, updatedAt: now })
      .where(eq(jobs.id, jobId))
      .returning();
    if (!cancelled) throw new Error(`job ${jobId} disappeared while locked`);

    await recordAuditEvents(tx, [
      {
        organizationId,
        actor: context.actor,
        action: 'job.cancelled',
        target: { type: 'job', id: jobId },
        data: { round: job.currentRound, cancelledTaskIds: cancelledTasks.map((task) => task.id) },
        ...(context.requestId ? { requestId: context.requestId } : {}),
      },
    ]);
    return cancelled;
  });
}
