import { eq } from 'drizzle-orm';
import { tasks } from '../../../db/schema/index.js';
import type { SchedulerDependencies } from './scheduler-dependencies.js';
import { assertLeaseHeld, loadGatewayTask, type TaskRow } from './task-lease.js';

/**
 * Extends the lease by the job's lease duration from now. Only the holder can extend it, and only
 * before it expires: once expired, the task may already be someone else's, so the gateway must
 * drop it. A heartbeat is not a state change, so it is not audited.
 */
export async function heartbeatTask(
  deps: SchedulerDependencies,
  gateway: { gatewayId: string },
  input: { taskId: string; leaseToken: string },
): Promise<TaskRow> {
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const target = await loadGatewayTask(tx, gateway.gatewayId, input.taskId, { lock: true });
    assertLeaseHeld(target, input.leaseToken, now);

    const leaseExpiresAt = new Date(now.getTime() + target.job.settings.leaseSeconds * 1000);
    const [task] = await tx.update(tasks).set({ leaseExpiresAt, updatedAt: now }).where(eq(tasks.id, input.taskId)).returning();
    if (!task) throw new Error(`task ${input.taskId} disappeared while locked`);
    return task;
  });
}
