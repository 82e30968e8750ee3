import { encodeTensorsWithHash, type Computation } from '@onsite/compute';
import type { Executor } from '../../../db/client.js';
import { newId } from '../../../db/ids.js';
import { rounds, tasks, type jobSites } from '../../../db/schema/index.js';
import type { BlobStore } from '../../blob-store/blob-store.js';
import type { AuditActor } from '../audit/record-audit-event.js';
import { globalTensorsKey } from './job-blob-keys.js';
import type { JobRow } from './project-access.js';
import { recordAuditEvents } from './record-audit-events.js';

export type JobSiteRow = typeof jobSites.$inferSelect;
export type RoundRow = typeof rounds.$inferSelect;

/** A round's plan with its global tensors already stored in the blob store. */
export interface StoredRoundPlan {
  number: number;
  parameters: Record<string, unknown>;
  globalTensors: { key: string; sha256: string } | null;
}

/**
 * Plans round `number` from the computation state and stores its global tensors. The encoding is
 * deterministic, so planning the same round again (after a restart) writes the same bytes under
 * the same key, and an orphan left by a rolled-back transaction is overwritten, never misread.
 */
export async function planAndStoreRound(
  blobStore: BlobStore,
  input: { organizationId: string; jobId: string; computation: Computation; state: unknown; number: number },
): Promise<StoredRoundPlan> {
  const plan = input.computation.planRound(input.state, input.number);
  if (!plan.globalTensors) {
    return { number: input.number, parameters: plan.parameters, globalTensors: null };
  }

  const { bytes, sha256 } = encodeTensorsWithHash(plan.globalTensors, { jobId: input.jobId, round: String(input.number) });
  const key = globalTensorsKey(input.organizationId, input.jobId, input.number);
  await blobStore.put(key, bytes, { contentType: 'application/octet-stream' });
  return { number: input.number, parameters: plan.parameters, globalTensors: { key, sha256 } };
}

/** Inserts a planned round and one pending task per site, with the round's audit event. */
export async function insertRound(
  tx: Executor,
  input: { job: JobRow; sites: JobSiteRow[]; plan: StoredRoundPlan; now: Date; actor: AuditActor; requestId?: string },
): Promise<RoundRow> {
  const { job, plan, now } = input;
  const deadlineAt = new Date(now.getTime() + job.settings.roundDeadlineSeconds * 1000);

  const [round] = await tx
    .insert(rounds)
    .values({
      id: newId('round'),
      organizationId: job.organizationId,
      jobId: job.id,
      number: plan.number,
      state: 'open',
      parameters: plan.parameters,
      globalTensorsKey: plan.globalTensors?.key ?? null,
      globalTensorsSha256: plan.globalTensors?.sha256 ?? null,
      deadlineAt,
      quorum: job.settings.quorum,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  if (!round) throw new Error(`insert into rounds returned no row for job ${job.id} round ${plan.number}`);

  await tx.insert(tasks).values(
    input.sites.map((site) => ({
      id: newId('task'),
      organizationId: job.organizationId,
      jobId: job.id,
      roundId: round.id,
      roundNumber: plan.number,
      gatewayId: site.gatewayId,
      datasetId: site.datasetId,
      state: 'pending' as const,
      maxAttempts: job.settings.maxAttempts,
      availableAt: now,
      createdAt: now,
      updatedAt: now,
    })),
  );

  await recordAuditEvents(tx, [
    {
      organizationId: job.organizationId,
      actor: input.actor,
      action: 'round.opened',
      target: { type: 'round', id: round.id },
      data: { jobId: job.id, round: plan.number, sites: input.sites.length, deadlineAt: deadlineAt.toISOString() },
      ...(input.requestId ? { requestId: input.requestId } : {}),
    },
  ]);
  return round;
}
