import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { jobs, rounds, tasks, TERMINAL_JOB_STATES } from '../../../db/schema/index.js';
import { ApiError, notFound } from '../../api/errors/api-error.js';
import type { JobRow } from './project-access.js';
import type { RoundRow } from './open-round.js';

export type TaskRow = typeof tasks.$inferSelect;

export interface GatewayTask {
  task: TaskRow;
  job: JobRow;
  round: RoundRow;
}

/**
 * Reason a gateway may no longer work on a task. Every code means "drop this task and claim
 * again", because retrying the same request cannot succeed.
 */
export type LeaseProblem = 'job_finished' | 'round_closed' | 'task_not_leased' | 'lease_reassigned' | 'lease_expired';

/** Creates a lease token of 24 random bytes, base64url. Each lease gets its own, so a reassigned task has a new one. */
export function newLeaseToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Loads a task of the calling gateway with its job and round; another gateway's task is not found. */
export async function loadGatewayTask(db: Executor, gatewayId: string, taskId: string, options: { lock?: boolean } = {}): Promise<GatewayTask> {
  const query = db
    .select({ task: tasks, job: jobs, round: rounds })
    .from(tasks)
    .innerJoin(jobs, eq(jobs.id, tasks.jobId))
    .innerJoin(rounds, eq(rounds.id, tasks.roundId))
    .where(and(eq(tasks.id, taskId), eq(tasks.gatewayId, gatewayId)));
  const [row] = options.lock ? await query.for('update', { of: tasks }) : await query;
  if (!row) throw notFound('task', taskId);
  return row;
}

/** Returns why the lease is not held by `leaseToken` at `now`, or undefined when it is. */
export function findLeaseProblem(target: GatewayTask, leaseToken: string, now: Date): { problem: LeaseProblem; detail: string } | undefined {
  const { task, job, round } = target;
  if (TERMINAL_JOB_STATES.includes(job.state)) {
    return { problem: 'job_finished', detail: `job ${job.id} is ${job.state}; drop task ${task.id}` };
  }
  if (round.state !== 'open') {
    return { problem: 'round_closed', detail: `round ${round.number} of job ${job.id} is ${round.state}; drop task ${task.id} and claim again` };
  }
  if (task.state !== 'leased') {
    return { problem: 'task_not_leased', detail: `task ${task.id} is ${task.state}, not leased; its lease expired or ended, so claim again` };
  }
  if (task.leaseToken !== leaseToken) {
    return { problem: 'lease_reassigned', detail: `task ${task.id} is leased under another lease token; drop it and claim again` };
  }
  if (!task.leaseExpiresAt || task.leaseExpiresAt.getTime() <= now.getTime()) {
    return { problem: 'lease_expired', detail: `the lease on task ${task.id} expired at ${task.leaseExpiresAt?.toISOString() ?? 'an unknown time'}; drop it and claim again` };
  }
  return undefined;
}

/** Throws a 409 whose `errors[0].message` is the lease problem code, for the gateway to act on. */
export function assertLeaseHeld(target: GatewayTask, leaseToken: string, now: Date): void {
  const found = findLeaseProblem(target, leaseToken, now);
  if (found) {
    throw new ApiError('conflict', found.detail, { errors: [{ path: 'body.leaseToken', message: found.problem }] });
  }
}
