import { asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { gateways, results, rounds, tasks } from '../../../db/schema/index.js';
import type { RoundRow } from './open-round.js';
import { findVisibleJob } from './project-access.js';

export interface RoundSiteStatus {
  taskId: string;
  gatewayId: string;
  gatewayName: string;
  datasetId: string;
  state: (typeof tasks.$inferSelect)['state'];
  attempts: number;
  maxAttempts: number;
  leaseExpiresAt: Date | null;
  /** Reason the task failed, was refused or rejected, or its last lease ended. */
  reason: string | null;
  sampleCount: number | null;
  metrics: Record<string, number> | null;
  submittedAt: Date | null;
}

export interface RoundWithSites {
  round: RoundRow;
  sites: RoundSiteStatus[];
}

/** Lists every round of a visible job, oldest first, with each site's task status and submitted metrics. */
export async function listRounds(db: Executor, organizationId: string, jobId: string): Promise<RoundWithSites[]> {
  await findVisibleJob(db, organizationId, jobId);
  const roundRows = await db.select().from(rounds).where(eq(rounds.jobId, jobId)).orderBy(asc(rounds.number));
  if (roundRows.length === 0) return [];

  const taskRows = await db
    .select({ task: tasks, gatewayName: gateways.name, result: results })
    .from(tasks)
    .innerJoin(gateways, eq(gateways.id, tasks.gatewayId))
    .leftJoin(results, eq(results.taskId, tasks.id))
    .where(inArray(tasks.roundId, roundRows.map((round) => round.id)))
    .orderBy(asc(tasks.gatewayId), asc(tasks.datasetId));

  return roundRows.map((round) => ({
    round,
    sites: taskRows
      .filter((row) => row.task.roundId === round.id)
      .map((row) => ({
        taskId: row.task.id,
        gatewayId: row.task.gatewayId,
        gatewayName: row.gatewayName,
        datasetId: row.task.datasetId,
        state: row.task.state,
        attempts: row.task.attempts,
        maxAttempts: row.task.maxAttempts,
        leaseExpiresAt: row.task.leaseExpiresAt,
        reason: row.task.failureReason,
        sampleCount: row.result?.sampleCount ?? null,
        metrics: row.result?.metrics ?? null,
        submittedAt: row.result?.submittedAt ?? null,
      })),
  }));
}
