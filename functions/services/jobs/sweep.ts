import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import { jobs, rounds, tasks } from '../../../db/schema/index.js';
import { aggregateRoundIfReady, resumeStuckAggregation, SCHEDULER_ACTOR, type AggregationOutcome } from './aggregate-round.js';
import { recordAuditEvents } from './record-audit-events.js';
import type { SchedulerDependencies } from './scheduler-dependencies.js';

/**
 * Seconds after which an aggregation still `aggregating` is presumed dead and run again. A server
 * step on sums takes well under a second; the margin covers reading large updates from S3 and a
 * Lambda's 15-minute maximum run time.
 */
export const STUCK_AGGREGATION_SECONDS = 15 * 60;

/** Rows handled per sweep and per kind, so one sweep stays short. The next sweep takes the rest. */
export const SWEEP_BATCH_SIZE = 200;

export interface SweepReport {
  leasesReturned: number;
  tasksFailed: number;
  roundsChecked: number;
  aggregationsResumed: number;
  outcomes: AggregationOutcome[];
}

/**
 * Runs one pass of the scheduler's housekeeping. It first expires leases: the task returns to the
 * queue with one more attempt, or fails after `maxAttempts`. It then checks every open round,
 * aggregating it when the quorum is in and failing it at its deadline without the quorum. Last,
 * it reruns aggregations stuck for `STUCK_AGGREGATION_SECONDS`. Every step is its own transaction
 * and is safe to repeat.
 * With an aggregation trigger configured (the queue on AWS), ready and stuck rounds are sent to
 * the aggregation worker instead of being aggregated here.
 */
export async function sweep(deps: SchedulerDependencies): Promise<SweepReport> {
  const report: SweepReport = { leasesReturned: 0, tasksFailed: 0, roundsChecked: 0, aggregationsResumed: 0, outcomes: [] };

  const expired = await expireLeases(deps);
  report.leasesReturned = expired.returned;
  report.tasksFailed = expired.failed;

  const openRounds = await deps.db
    .select({ id: rounds.id, jobId: rounds.jobId, organizationId: rounds.organizationId })
    .from(rounds)
    .innerJoin(jobs, eq(jobs.id, rounds.jobId))
    .where(and(eq(rounds.state, 'open'), inArray(jobs.state, ['queued', 'running'])))
    .orderBy(asc(rounds.deadlineAt))
    .limit(SWEEP_BATCH_SIZE);
  const detectOnly = deps.aggregationTrigger !== undefined;
  for (const round of openRounds) {
    report.roundsChecked += 1;
    const outcome = await runLogged(deps, round.id, () => aggregateRoundIfReady(deps, round.id, { detectOnly }));
    if (outcome.outcome === 'ready') await notifyTrigger(deps, round);
    report.outcomes.push(outcome);
  }

  const stuckBefore = new Date(deps.now().getTime() - STUCK_AGGREGATION_SECONDS * 1000);
  const stuck = await deps.db
    .select({ id: rounds.id, jobId: rounds.jobId, organizationId: rounds.organizationId })
    .from(rounds)
    .where(and(eq(rounds.state, 'aggregating'), lte(rounds.aggregationStartedAt, stuckBefore)))
    .limit(SWEEP_BATCH_SIZE);
  for (const round of stuck) {
    if (detectOnly) {
      await notifyTrigger(deps, round);
      report.aggregationsResumed += 1;
      continue;
    }
    const outcome = await runLogged(deps, round.id, () => resumeStuckAggregation(deps, round.id, stuckBefore));
    if (outcome) {
      report.aggregationsResumed += 1;
      report.outcomes.push(outcome);
    }
  }

  return report;
}

/** Sends a round to the aggregation worker. A failed send is logged, and the next sweep sends it again. */
async function notifyTrigger(deps: SchedulerDependencies, round: { id: string; jobId: string; organizationId: string }): Promise<void> {
  try {
    await deps.aggregationTrigger?.notifyResultSubmitted({ jobId: round.jobId, roundId: round.id, organizationId: round.organizationId });
  } catch (error) {
    deps.logger.error({ err: error, roundId: round.id, jobId: round.jobId }, 'could not queue the round for aggregation; the next sweep retries');
  }
}

/** Runs one round's step. An error is logged, and the sweep goes on with the other rounds. */
async function runLogged<T>(deps: SchedulerDependencies, roundId: string, step: () => Promise<T>): Promise<T | AggregationOutcome> {
  try {
    return await step();
  } catch (error) {
    deps.logger.error({ err: error, roundId }, 'sweep failed to process a round; the next sweep retries it');
    return { outcome: 'not_open', state: 'error' };
  }
}

/**
 * Returns tasks whose lease expired to the queue with `attempts + 1`, or fails them once they
 * reach `maxAttempts`. The rows are locked with SKIP LOCKED, so the sweep skips a task that a
 * heartbeat or a submit has locked. PostgreSQL rechecks the expiry on the latest row version, so a
 * heartbeat committed just before is not undone.
 */
export async function expireLeases(deps: SchedulerDependencies): Promise<{ returned: number; failed: number; roundIds: string[] }> {
  return deps.db.transaction(async (tx) => {
    const now = deps.now();
    const due = await tx
      .select()
      .from(tasks)
      .where(and(eq(tasks.state, 'leased'), lte(tasks.leaseExpiresAt, now)))
      .orderBy(asc(tasks.leaseExpiresAt))
      .limit(SWEEP_BATCH_SIZE)
      .for('update', { skipLocked: true });

    let returned = 0;
    let failed = 0;
    const events = [];
    for (const task of due) {
      const attempts = task.attempts + 1;
      const exhausted = attempts >= task.maxAttempts;
      const reason = exhausted
        ? `gateway ${task.gatewayId} let the lease expire ${attempts} time(s), the maximum for this task; retry the task when the gateway is back`
        : `lease expired at ${task.leaseExpiresAt?.toISOString() ?? 'an unknown time'} without a heartbeat or result`;
      await tx
        .update(tasks)
        .set(
          exhausted
            ? { state: 'failed', attempts, failureReason: reason, leaseToken: null, leaseExpiresAt: null, updatedAt: now }
            : { state: 'pending', attempts, failureReason: reason, leaseToken: null, leaseExpiresAt: null, availableAt: now, updatedAt: now },
        )
        .where(eq(tasks.id, task.id));
      if (exhausted) failed += 1;
      else returned += 1;
      events.push({
        organizationId: task.organizationId,
        actor: SCHEDULER_ACTOR,
        action: exhausted ? 'task.failed' : 'task.lease_expired',
        target: { type: 'task', id: task.id },
        data: { jobId: task.jobId, round: task.roundNumber, gatewayId: task.gatewayId, attempts, maxAttempts: task.maxAttempts, reason },
      });
    }
    await recordAuditEvents(tx, events);
    return { returned, failed, roundIds: [...new Set(due.map((task) => task.roundId))] };
  });
}

/**
 * Runs `sweep` every `intervalMs` in this process (the local server; on AWS a schedule invokes
 * the sweep Lambda instead). Sweeps never overlap: a tick that finds the previous sweep still
 * running is skipped. Returns a function that stops the timer and resolves once the sweep in
 * progress, if any, has finished, so the caller can close the database after it.
 */
export function startSweepTimer(deps: SchedulerDependencies, intervalMs: number): () => Promise<void> {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = sweep(deps)
      .then(() => undefined)
      .catch((error: unknown) => deps.logger.error({ err: error }, 'sweep failed; the next tick retries'))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
