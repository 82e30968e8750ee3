import { and, asc, count, eq, inArray, max } from 'drizzle-orm';
import { AggregationError, encodeTensorsWithHash, type ComputationName, type ContributionFromSite, type ServerStepResult, type TensorLayout } from '@onsite/compute';
import type { Executor } from '../../../db/client.js';
import { newId } from '../../../db/ids.js';
import { jobSites, jobs, models, modelVersions, results, rounds, tasks, type ModelArtifact } from '../../../db/schema/index.js';
import type { AuditActor, AuditEventInput } from '../audit/record-audit-event.js';
import { checkContribution } from './check-contribution.js';
import { describeMissingSites, failRoundAndJob, listMissingSites } from './fail-round.js';
import { modelTensorsKey } from './job-blob-keys.js';
import { insertRound, planAndStoreRound, type RoundRow, type StoredRoundPlan } from './open-round.js';
import type { JobRow } from './project-access.js';
import { recordAuditEvents } from './record-audit-events.js';
import type { SchedulerDependencies } from './scheduler-dependencies.js';

/** Audit actor of everything the scheduler does on its own. */
export const SCHEDULER_ACTOR: AuditActor = { type: 'system', id: 'scheduler' };

export type AggregationOutcome =
  | { outcome: 'not_ready'; submitted: number; quorum: number }
  /** The quorum is in, but the caller asked only to detect it (`detectOnly`); nothing changed. */
  | { outcome: 'ready'; submitted: number; quorum: number }
  /** The round was no longer open (or the job no longer live): another trigger got there first. */
  | { outcome: 'not_open'; state: string }
  | { outcome: 'completed'; round: number; jobState: JobRow['state']; nextRound: number | null }
  | { outcome: 'failed'; round: number; reason: string }
  /** Another run took the aggregation over (after a timeout) before this one could write. */
  | { outcome: 'superseded' };

interface AcceptedResult {
  taskId: string;
  gatewayId: string;
  contribution: ContributionFromSite;
}

/**
 * Aggregates a round when it is ready, exactly once, in three steps that each leave the database
 * consistent, so a process that stops between two steps is resumed by the sweep:
 *
 * 1. A transaction moves the round `open → aggregating` (bumping `aggregationAttempt`) when the
 *    quorum of results is in, or fails the round and its job when the quorum can no longer be met
 *    (deadline passed, or no task left that could still submit). Concurrent triggers serialise on
 *    the round's row lock; all but one find the round no longer open.
 * 2. Outside any transaction, the run reads the persisted results and their blobs, checks each
 *    contribution, and takes the computation's server step. Nothing is written yet except blobs
 *    under deterministic keys, which a repeated run overwrites with the same bytes.
 * 3. A transaction writes the outcome only if the round is still `aggregating` at this run's
 *    attempt: the new server state, metrics, results, a model version, and the next round (or the
 *    job's end). A run that lost the round to a takeover writes nothing.
 */
export async function aggregateRoundIfReady(deps: SchedulerDependencies, roundId: string, options: AggregateOptions = {}): Promise<AggregationOutcome> {
  const started = await startAggregation(deps, roundId, options);
  if (started.outcome !== 'started') return started.result;
  return runAggregation(deps, started.round);
}

/**
 * Takes over an aggregation that has been `aggregating` since before `startedBefore` (its process
 * stopped or hung) and runs it again from the persisted inputs. Returns null when the round is not
 * stuck, for example because the original run finished in the meantime.
 */
export async function resumeStuckAggregation(deps: SchedulerDependencies, roundId: string, startedBefore: Date): Promise<AggregationOutcome | null> {
  const now = deps.now();
  const [round] = await deps.db.transaction(async (tx) => {
    const [current] = await tx.select().from(rounds).where(eq(rounds.id, roundId)).for('update');
    if (!current || current.state !== 'aggregating' || !current.aggregationStartedAt || current.aggregationStartedAt.getTime() > startedBefore.getTime()) {
      return [];
    }
    const updated = await tx
      .update(rounds)
      .set({ aggregationAttempt: current.aggregationAttempt + 1, aggregationStartedAt: now, updatedAt: now })
      .where(and(eq(rounds.id, roundId), eq(rounds.state, 'aggregating'), eq(rounds.aggregationAttempt, current.aggregationAttempt)))
      .returning();
    await recordAuditEvents(tx, [
      {
        organizationId: current.organizationId,
        actor: SCHEDULER_ACTOR,
        action: 'round.aggregation_resumed',
        target: { type: 'round', id: roundId },
        data: { jobId: current.jobId, round: current.number, attempt: current.aggregationAttempt + 1, previousStartedAt: current.aggregationStartedAt.toISOString() },
      },
    ]);
    return updated;
  });
  if (!round) return null;
  return runAggregation(deps, round);
}

export interface AggregateOptions {
  /**
   * Only detect a ready round (outcome `ready`) instead of aggregating it. A round that can no
   * longer meet its quorum is still failed, which needs only the database. The sweep uses this
   * when a queue is configured, so the aggregation itself runs in the aggregation worker.
   */
  detectOnly?: boolean;
}

type StartResult = { outcome: 'started'; round: RoundRow } | { outcome: 'done'; result: AggregationOutcome };

async function startAggregation(deps: SchedulerDependencies, roundId: string, options: AggregateOptions): Promise<StartResult> {
  const [peek] = await deps.db.select({ jobId: rounds.jobId }).from(rounds).where(eq(rounds.id, roundId));
  if (!peek) throw new Error(`round ${roundId} does not exist`);

  return deps.db.transaction(async (tx): Promise<StartResult> => {
    const now = deps.now();
    // Every transaction that locks a job and one of its rounds locks the job first (see cancelJob),
    // so two of them cannot deadlock on these rows.
    const [job] = await tx.select().from(jobs).where(eq(jobs.id, peek.jobId)).for('update');
    const [round] = await tx.select().from(rounds).where(eq(rounds.id, roundId)).for('update');
    if (!job || !round) throw new Error(`round ${roundId} or its job disappeared`);
    if (round.state !== 'open') return { outcome: 'done', result: { outcome: 'not_open', state: round.state } };
    if (job.state !== 'queued' && job.state !== 'running') return { outcome: 'done', result: { outcome: 'not_open', state: `job ${job.state}` } };

    const counts = await countTasksByState(tx, roundId);
    const submitted = counts.get('submitted') ?? 0;
    const inFlight = (counts.get('pending') ?? 0) + (counts.get('leased') ?? 0);

    if (submitted >= round.quorum && options.detectOnly) return { outcome: 'done', result: { outcome: 'ready', submitted, quorum: round.quorum } };
    if (submitted >= round.quorum) {
      const [aggregating] = await tx
        .update(rounds)
        .set({ state: 'aggregating', aggregationAttempt: round.aggregationAttempt + 1, aggregationStartedAt: now, updatedAt: now })
        .where(and(eq(rounds.id, roundId), eq(rounds.state, 'open')))
        .returning();
      if (!aggregating) return { outcome: 'done', result: { outcome: 'not_open', state: 'aggregating' } };

      // The quorum is in: sites still working are no longer waited for.
      await tx
        .update(tasks)
        .set({ state: 'cancelled', failureReason: `round ${round.number} closed with the quorum of ${round.quorum} results before this task finished`, leaseToken: null, leaseExpiresAt: null, updatedAt: now })
        .where(and(eq(tasks.roundId, roundId), inArray(tasks.state, ['pending', 'leased'])));

      await recordAuditEvents(tx, [
        {
          organizationId: round.organizationId,
          actor: SCHEDULER_ACTOR,
          action: 'round.aggregation_started',
          target: { type: 'round', id: roundId },
          data: { jobId: job.id, round: round.number, submitted, quorum: round.quorum, attempt: aggregating.aggregationAttempt },
        },
      ]);
      return { outcome: 'started', round: aggregating };
    }

    const deadlinePassed = round.deadlineAt.getTime() <= now.getTime();
    if (!deadlinePassed && inFlight > 0) return { outcome: 'done', result: { outcome: 'not_ready', submitted, quorum: round.quorum } };

    const missing = await listMissingSites(tx, roundId);
    const closingCause = deadlinePassed ? `the deadline ${round.deadlineAt.toISOString()} passed` : 'no other site can still submit';
    const reason = `${submitted} of the ${round.quorum} results needed were submitted and ${closingCause}; missing sites: ${describeMissingSites(missing)}`;
    await failRoundAndJob(tx, { job, round, expectedState: 'open', reason, now, actor: SCHEDULER_ACTOR });
    return { outcome: 'done', result: { outcome: 'failed', round: round.number, reason } };
  });
}

async function countTasksByState(tx: Executor, roundId: string): Promise<Map<string, number>> {
  const rows = await tx.select({ state: tasks.state, total: count() }).from(tasks).where(eq(tasks.roundId, roundId)).groupBy(tasks.state);
  return new Map(rows.map((row) => [row.state, Number(row.total)]));
}

/** Steps 2 and 3 of `aggregateRoundIfReady`, for a round this run moved to `aggregating`. */
async function runAggregation(deps: SchedulerDependencies, round: RoundRow): Promise<AggregationOutcome> {
  const attempt = round.aggregationAttempt;
  const [job] = await deps.db.select().from(jobs).where(eq(jobs.id, round.jobId));
  if (!job) throw new Error(`job ${round.jobId} of round ${round.id} does not exist`);
  const computation = deps.computations(job.computation as ComputationName);
  const layout = computation.contributionLayout?.(job.serverState, round.number);

  const { accepted, rejected } = await loadContributions(deps, round.id, layout);

  if (accepted.length < round.quorum) {
    const reason = `${accepted.length} valid result(s) for a quorum of ${round.quorum}; rejected: ${rejected.map((entry) => `${entry.gatewayId}: ${entry.reason}`).join('; ') || 'none'}`;
    return finishFailed(deps, { job, round, attempt, rejected, reason });
  }

  let step: ServerStepResult<unknown>;
  try {
    step = computation.serverStep(job.serverState, accepted.map((entry) => entry.contribution), round.number);
  } catch (error) {
    if (!(error instanceof AggregationError)) {
      deps.logger.error({ err: error, jobId: job.id, roundId: round.id }, 'server step failed with an unexpected error');
    }
    const detail = error instanceof AggregationError ? `${error.code}: ${error.message}` : `the server step failed: ${error instanceof Error ? error.message : String(error)}`;
    return finishFailed(deps, { job, round, attempt, rejected, reason: `aggregation failed (${detail}); the previous model is kept` });
  }

  const finished = step.done || round.number >= job.settings.maxRounds;
  const nextPlan = finished
    ? null
    : await planAndStoreRound(deps.blobStore, { organizationId: job.organizationId, jobId: job.id, computation, state: step.state, number: round.number + 1 });
  const modelArtifact = step.modelTensors ? await storeModelTensors(deps, job, round.number, step) : null;

  return finishCompleted(deps, { job, round, attempt, accepted, rejected, step, finished, nextPlan, modelArtifact });
}

interface RejectedResult {
  taskId: string;
  gatewayId: string;
  reason: string;
}

/** Loads every submitted result of the round, in task order, and checks each contribution. */
async function loadContributions(
  deps: SchedulerDependencies,
  roundId: string,
  layout: TensorLayout | undefined,
): Promise<{ accepted: AcceptedResult[]; rejected: RejectedResult[] }> {
  const rows = await deps.db
    .select({ taskId: tasks.id, gatewayId: tasks.gatewayId, datasetId: tasks.datasetId, result: results })
    .from(tasks)
    .innerJoin(results, eq(results.taskId, tasks.id))
    .where(and(eq(tasks.roundId, roundId), eq(tasks.state, 'submitted')))
    .orderBy(asc(tasks.id));

  const accepted: AcceptedResult[] = [];
  const rejected: RejectedResult[] = [];
  for (const row of rows) {
    const bytes = await deps.blobStore.get(row.result.artifactKey);
    const check = checkContribution(bytes, layout);
    if (!check.ok) {
      rejected.push({ taskId: row.taskId, gatewayId: row.gatewayId, reason: check.reason });
      continue;
    }
    accepted.push({
      taskId: row.taskId,
      gatewayId: row.gatewayId,
      contribution: { siteId: row.datasetId, contribution: { tensors: check.tensors, sampleCount: row.result.sampleCount, metrics: row.result.metrics } },
    });
  }
  return { accepted, rejected };
}

async function storeModelTensors(deps: SchedulerDependencies, job: JobRow, round: number, step: ServerStepResult<unknown>): Promise<ModelArtifact> {
  const { bytes, sha256 } = encodeTensorsWithHash(step.modelTensors ?? {}, { jobId: job.id, round: String(round), specSha256: job.specSha256 });
  const key = modelTensorsKey(job.organizationId, job.id, round);
  await deps.blobStore.put(key, bytes, { contentType: 'application/octet-stream' });
  return { key, sha256, size: bytes.byteLength, kind: 'weights' };
}

/** Locks the job and the round; returns them when the round is still this run's, else null. */
async function lockOwnRound(tx: Executor, jobId: string, roundId: string, attempt: number): Promise<{ job: JobRow; round: RoundRow } | null> {
  const [job] = await tx.select().from(jobs).where(eq(jobs.id, jobId)).for('update');
  const [round] = await tx.select().from(rounds).where(eq(rounds.id, roundId)).for('update');
  if (!job || !round || round.state !== 'aggregating' || round.aggregationAttempt !== attempt) return null;
  return { job, round };
}

async function markRejected(tx: Executor, rejected: RejectedResult[], now: Date): Promise<AuditEventInput[]> {
  const events: AuditEventInput[] = [];
  for (const entry of rejected) {
    const [task] = await tx
      .update(tasks)
      .set({ state: 'rejected', failureReason: entry.reason, updatedAt: now })
      .where(and(eq(tasks.id, entry.taskId), eq(tasks.state, 'submitted')))
      .returning();
    if (!task) continue;
    events.push({
      organizationId: task.organizationId,
      actor: SCHEDULER_ACTOR,
      action: 'task.result_rejected',
      target: { type: 'task', id: task.id },
      data: { jobId: task.jobId, round: task.roundNumber, gatewayId: task.gatewayId, reason: entry.reason },
    });
  }
  return events;
}

async function finishFailed(
  deps: SchedulerDependencies,
  input: { job: JobRow; round: RoundRow; attempt: number; rejected: RejectedResult[]; reason: string },
): Promise<AggregationOutcome> {
  return deps.db.transaction(async (tx) => {
    const now = deps.now();
    const own = await lockOwnRound(tx, input.job.id, input.round.id, input.attempt);
    if (!own) return { outcome: 'superseded' };

    await recordAuditEvents(tx, await markRejected(tx, input.rejected, now));
    await failRoundAndJob(tx, { job: own.job, round: own.round, expectedState: 'aggregating', expectedAttempt: input.attempt, reason: input.reason, now, actor: SCHEDULER_ACTOR });
    return { outcome: 'failed', round: own.round.number, reason: input.reason };
  });
}

async function finishCompleted(
  deps: SchedulerDependencies,
  input: {
    job: JobRow;
    round: RoundRow;
    attempt: number;
    accepted: AcceptedResult[];
    rejected: RejectedResult[];
    step: ServerStepResult<unknown>;
    finished: boolean;
    nextPlan: StoredRoundPlan | null;
    modelArtifact: ModelArtifact | null;
  },
): Promise<AggregationOutcome> {
  return deps.db.transaction(async (tx) => {
    const now = deps.now();
    const own = await lockOwnRound(tx, input.job.id, input.round.id, input.attempt);
    if (!own) return { outcome: 'superseded' };
    const { job, round } = own;
    if (job.state !== 'queued' && job.state !== 'running') return { outcome: 'not_open', state: `job ${job.state}` };

    const events = await markRejected(tx, input.rejected, now);
    const contributingGatewayIds = [...new Set(input.accepted.map((entry) => entry.gatewayId))].sort();

    await tx
      .update(rounds)
      .set({ state: 'completed', metrics: input.step.roundMetrics, closedAt: now, updatedAt: now })
      .where(and(eq(rounds.id, round.id), eq(rounds.aggregationAttempt, input.attempt)));
    events.push({
      organizationId: job.organizationId,
      actor: SCHEDULER_ACTOR,
      action: 'round.completed',
      target: { type: 'round', id: round.id },
      data: { jobId: job.id, round: round.number, contributingGatewayIds, rejectedTaskIds: input.rejected.map((entry) => entry.taskId), metrics: input.step.roundMetrics },
    });

    const [updatedJob] = await tx
      .update(jobs)
      .set({
        serverState: input.step.state,
        results: input.step.results,
        state: input.finished ? 'succeeded' : 'running',
        currentRound: input.finished ? round.number : round.number + 1,
        ...(input.finished ? { finishedAt: now } : {}),
        updatedAt: now,
      })
      .where(and(eq(jobs.id, job.id), eq(jobs.currentRound, round.number)))
      .returning();
    if (!updatedJob) throw new Error(`job ${job.id} is not at round ${round.number} although the round was aggregating`);

    if (input.modelArtifact) {
      const versionId = await insertModelVersion(tx, { job, round: round.number, artifact: input.modelArtifact, contributingGatewayIds, metrics: input.step.roundMetrics, now });
      events.push({
        organizationId: job.organizationId,
        actor: SCHEDULER_ACTOR,
        action: 'model_version.created',
        target: { type: 'model_version', id: versionId },
        data: { modelId: job.modelId, jobId: job.id, round: round.number, sha256: input.modelArtifact.sha256 },
      });
    }

    if (input.finished) {
      events.push({ organizationId: job.organizationId, actor: SCHEDULER_ACTOR, action: 'job.succeeded', target: { type: 'job', id: job.id }, data: { rounds: round.number } });
    }
    await recordAuditEvents(tx, events);

    if (input.nextPlan) {
      const sites = await tx.select().from(jobSites).where(eq(jobSites.jobId, job.id)).orderBy(jobSites.datasetId);
      await insertRound(tx, { job: updatedJob, sites, plan: input.nextPlan, now, actor: SCHEDULER_ACTOR });
    }

    return { outcome: 'completed', round: round.number, jobState: updatedJob.state, nextRound: input.nextPlan?.number ?? null };
  });
}

async function insertModelVersion(
  tx: Executor,
  input: { job: JobRow; round: number; artifact: ModelArtifact; contributingGatewayIds: string[]; metrics: Record<string, number>; now: Date },
): Promise<string> {
  // Lock the model so two jobs finishing rounds at once number their versions one after the other.
  const [model] = await tx.select({ organizationId: models.organizationId }).from(models).where(eq(models.id, input.job.modelId)).for('update');
  if (!model) throw new Error(`model ${input.job.modelId} of job ${input.job.id} does not exist`);
  const [latest] = await tx.select({ version: max(modelVersions.version) }).from(modelVersions).where(eq(modelVersions.modelId, input.job.modelId));
  const id = newId('modelVersion');
  await tx.insert(modelVersions).values({
    id,
    organizationId: model.organizationId,
    modelId: input.job.modelId,
    version: (latest?.version ?? 0) + 1,
    specSha256: input.job.specSha256,
    artifacts: [input.artifact],
    lineage: { jobId: input.job.id, round: input.round, contributingGatewayIds: input.contributingGatewayIds },
    metrics: input.metrics,
    createdAt: input.now,
    updatedAt: input.now,
  });
  return id;
}
