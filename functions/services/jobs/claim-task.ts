import { and, asc, eq, inArray } from 'drizzle-orm';
import type { PresignedRequest } from '../../blob-store/blob-store.js';
import { jobs, rounds, tasks } from '../../../db/schema/index.js';
import type { AuditEventInput } from '../audit/record-audit-event.js';
import { recordAuditEvents } from './record-audit-events.js';
import type { SchedulerDependencies } from './scheduler-dependencies.js';
import { newLeaseToken, type GatewayTask } from './task-lease.js';

/** Seconds a presigned download of the global tensors stays valid: long enough for a slow link. */
export const GLOBAL_TENSORS_URL_SECONDS = 900;

export interface ClaimedTask extends GatewayTask {
  /** Download of the round's global tensors, or null when the round has none. */
  globalTensors: (PresignedRequest & { sha256: string }) | null;
}

/**
 * Leases the calling gateway's oldest claimable task, or returns null when it has none.
 *
 * The candidate row is locked with `FOR UPDATE … SKIP LOCKED`: two claims running at once lock
 * different rows (or one finds none), so no task is ever handed out twice. Candidates are the
 * gateway's pending tasks of open rounds of live jobs, oldest `availableAt` first across every job
 * and tenant. A task that comes back after an expired lease gets a new `availableAt`, so a failing
 * job's tasks queue behind the others instead of being handed out again and again. At equal
 * `availableAt`, the task with fewer lost leases goes first.
 */
export async function claimTask(
  deps: SchedulerDependencies,
  gateway: { organizationId: string; gatewayId: string },
  options: { requestId?: string } = {},
): Promise<ClaimedTask | null> {
  const now = deps.now();
  const claimed = await deps.db.transaction(async (tx) => {
    const [candidate] = await tx
      .select({ task: tasks, job: jobs, round: rounds })
      .from(tasks)
      .innerJoin(jobs, eq(jobs.id, tasks.jobId))
      .innerJoin(rounds, eq(rounds.id, tasks.roundId))
      .where(and(eq(tasks.gatewayId, gateway.gatewayId), eq(tasks.state, 'pending'), eq(rounds.state, 'open'), inArray(jobs.state, ['queued', 'running'])))
      .orderBy(asc(tasks.availableAt), asc(tasks.attempts), asc(tasks.id))
      .limit(1)
      .for('update', { of: tasks, skipLocked: true });
    if (!candidate) return null;

    const leaseExpiresAt = new Date(now.getTime() + candidate.job.settings.leaseSeconds * 1000);
    const [task] = await tx
      .update(tasks)
      .set({ state: 'leased', leaseToken: newLeaseToken(), leaseExpiresAt, leasedAt: now, updatedAt: now })
      .where(eq(tasks.id, candidate.task.id))
      .returning();
    if (!task) throw new Error(`task ${candidate.task.id} disappeared while locked`);

    const events: AuditEventInput[] = [
      {
        organizationId: gateway.organizationId,
        actor: { type: 'gateway', id: gateway.gatewayId },
        action: 'task.claimed',
        target: { type: 'task', id: task.id },
        data: { jobId: task.jobId, round: task.roundNumber, datasetId: task.datasetId, attempt: task.attempts + 1, leaseExpiresAt: leaseExpiresAt.toISOString() },
        ...(options.requestId ? { requestId: options.requestId } : {}),
      },
    ];

    let job = candidate.job;
    if (job.state === 'queued') {
      const [started] = await tx
        .update(jobs)
        .set({ state: 'running', updatedAt: now })
        .where(and(eq(jobs.id, job.id), eq(jobs.state, 'queued')))
        .returning();
      if (started) {
        job = started;
        events.push({
          organizationId: job.organizationId,
          actor: { type: 'system', id: 'scheduler' },
          action: 'job.started',
          target: { type: 'job', id: job.id },
          data: { firstTaskId: task.id },
        });
      }
    }

    await recordAuditEvents(tx, events);
    return { task, job, round: candidate.round };
  });

  if (!claimed) return null;

  const { round } = claimed;
  const globalTensors =
    round.globalTensorsKey && round.globalTensorsSha256
      ? { ...(await deps.blobStore.presignGet(round.globalTensorsKey, { expiresInSeconds: GLOBAL_TENSORS_URL_SECONDS })), sha256: round.globalTensorsSha256 }
      : null;
  return { ...claimed, globalTensors };
}
