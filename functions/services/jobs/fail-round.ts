import { and, eq, inArray, ne } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { gateways, jobs, rounds, tasks, type MissingSite, type RoundState } from '../../../db/schema/index.js';
import type { AuditActor } from '../audit/record-audit-event.js';
import type { JobRow } from './project-access.js';
import type { RoundRow } from './open-round.js';
import { recordAuditEvents } from './record-audit-events.js';

/** Sites of a round without an accepted result, with the gateway's name for the failure message. */
export async function listMissingSites(tx: Executor, roundId: string): Promise<MissingSite[]> {
  const rows = await tx
    .select({ gatewayId: tasks.gatewayId, gatewayName: gateways.name, datasetId: tasks.datasetId, taskState: tasks.state, reason: tasks.failureReason })
    .from(tasks)
    .innerJoin(gateways, eq(gateways.id, tasks.gatewayId))
    .where(and(eq(tasks.roundId, roundId), ne(tasks.state, 'submitted')))
    .orderBy(tasks.gatewayId, tasks.datasetId);
  return rows;
}

export function describeMissingSites(sites: MissingSite[]): string {
  return sites.map((site) => `${site.gatewayName} (${site.gatewayId}, task ${site.taskState}${site.reason ? `: ${site.reason}` : ''})`).join('; ');
}

/**
 * Fails a round and its job in one step, keeping the job's server state (the previous model) as it
 * was. The round must still be in `expectedState` (and, for a running aggregation, at
 * `expectedAttempt`); returns false without changing anything when another process closed it first.
 * The caller must already hold the job row's lock (jobs are always locked before their rounds).
 */
export async function failRoundAndJob(
  tx: Executor,
  input: {
    job: JobRow;
    round: RoundRow;
    expectedState: RoundState;
    expectedAttempt?: number;
    reason: string;
    now: Date;
    actor: AuditActor;
  },
): Promise<boolean> {
  const { job, round, now } = input;

  const missingSites = await listMissingSites(tx, round.id);
  const [failed] = await tx
    .update(rounds)
    .set({ state: 'failed', failureReason: input.reason, missingSites, closedAt: now, updatedAt: now })
    .where(
      and(
        eq(rounds.id, round.id),
        eq(rounds.state, input.expectedState),
        input.expectedAttempt === undefined ? undefined : eq(rounds.aggregationAttempt, input.expectedAttempt),
      ),
    )
    .returning();
  if (!failed) return false;

  // Tasks still in flight cannot contribute any more; mark them so their gateways stop.
  await tx
    .update(tasks)
    .set({ state: 'cancelled', failureReason: `round ${round.number} failed`, leaseToken: null, leaseExpiresAt: null, updatedAt: now })
    .where(and(eq(tasks.roundId, round.id), inArray(tasks.state, ['pending', 'leased'])));

  const jobReason = `round ${round.number} failed: ${input.reason}`;
  await tx
    .update(jobs)
    .set({ state: 'failed', failureReason: jobReason, finishedAt: now, updatedAt: now })
    .where(and(eq(jobs.id, job.id), inArray(jobs.state, ['queued', 'running'])));

  await recordAuditEvents(tx, [
    {
      organizationId: job.organizationId,
      actor: input.actor,
      action: 'round.failed',
      target: { type: 'round', id: round.id },
      data: { jobId: job.id, round: round.number, reason: input.reason, missingGatewayIds: [...new Set(missingSites.map((site) => site.gatewayId))] },
    },
    {
      organizationId: job.organizationId,
      actor: input.actor,
      action: 'job.failed',
      target: { type: 'job', id: job.id },
      data: { round: round.number, reason: jobReason },
    },
  ]);
  return true;
}
