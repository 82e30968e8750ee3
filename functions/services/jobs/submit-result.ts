import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { canonicalJson } from '@onsite/compute';
import { newId } from '../../../db/ids.js';
import { gateways, results, rounds, tasks } from '../../../db/schema/index.js';
import { ApiError } from '../../api/errors/api-error.js';
import { BlobNotFoundError } from '../../blob-store/errors.js';
import { recordAuditEvents } from './record-audit-events.js';
import { verifyResultSignature } from './result-signature.js';
import type { SchedulerDependencies } from './scheduler-dependencies.js';
import { updateKey } from './job-blob-keys.js';
import { assertLeaseHeld, loadGatewayTask } from './task-lease.js';

export type ResultRow = typeof results.$inferSelect;

export interface SubmitResultInput {
  taskId: string;
  leaseToken: string;
  artifactKey: string;
  artifactSha256: string;
  sampleCount: number;
  metrics: Record<string, number>;
  /** Ed25519 signature, base64, over `resultSigningPayload` of the fields above. */
  signature: string;
}

export interface SubmitResultOutcome {
  result: ResultRow;
  jobId: string;
  /** False when the same result had already been stored (a retried request). */
  created: boolean;
}

/**
 * Stores a task's result. The call is idempotent: the same result again returns the stored one,
 * whatever has happened to the lease since. A different result for a task that already has one
 * is a 409. A new result needs a live lease on a task of the open round of a live job, a
 * signature that verifies with the gateway's registered key, and an uploaded blob with the
 * declared SHA-256. The blob is read before the transaction, so no row stays locked during the
 * download.
 */
export async function submitResult(
  deps: SchedulerDependencies,
  gateway: { organizationId: string; gatewayId: string },
  input: SubmitResultInput,
  options: { requestId?: string } = {},
): Promise<SubmitResultOutcome> {
  const first = await loadGatewayTask(deps.db, gateway.gatewayId, input.taskId);
  const stored = await findStoredResult(deps, input.taskId);
  if (stored) return { result: compareWithStored(stored, input), jobId: first.job.id, created: false };

  assertLeaseHeld(first, input.leaseToken, deps.now());
  const expectedKey = updateKey(first.job.organizationId, first.job.id, first.task.roundNumber, first.task.id);
  if (input.artifactKey !== expectedKey) {
    throw new ApiError('validation_failed', `artifactKey must be the key returned by tasks.createUploadUrl (${expectedKey})`, {
      errors: [{ path: 'body.artifactKey', message: `must be ${expectedKey}` }],
    });
  }

  await verifySignature(deps, gateway.gatewayId, input);
  const artifactSize = await verifyArtifact(deps, input);

  return deps.db.transaction(async (tx): Promise<SubmitResultOutcome> => {
    // Share-lock the round first: the aggregation's `open → aggregating` update waits for this
    // transaction, so a result is either counted by the aggregation or rejected as late, never lost.
    await tx.select({ id: rounds.id }).from(rounds).where(eq(rounds.id, first.round.id)).for('share');
    const target = await loadGatewayTask(tx, gateway.gatewayId, input.taskId, { lock: true });

    const [already] = await tx.select().from(results).where(eq(results.taskId, input.taskId));
    if (already) return { result: compareWithStored(already, input), jobId: target.job.id, created: false };

    const now = deps.now();
    assertLeaseHeld(target, input.leaseToken, now);

    const [result] = await tx
      .insert(results)
      .values({
        id: newId('result'),
        organizationId: target.job.organizationId,
        taskId: input.taskId,
        roundId: target.round.id,
        gatewayId: gateway.gatewayId,
        artifactKey: input.artifactKey,
        artifactSha256: input.artifactSha256,
        artifactSize,
        sampleCount: input.sampleCount,
        metrics: input.metrics,
        signature: input.signature,
        submittedAt: now,
      })
      .returning();
    if (!result) throw new Error(`insert into results returned no row for task ${input.taskId}`);

    await tx
      .update(tasks)
      .set({ state: 'submitted', leaseToken: null, leaseExpiresAt: null, updatedAt: now })
      .where(and(eq(tasks.id, input.taskId), eq(tasks.state, 'leased')));

    await recordAuditEvents(tx, [
      {
        organizationId: gateway.organizationId,
        actor: { type: 'gateway', id: gateway.gatewayId },
        action: 'task.result_submitted',
        target: { type: 'task', id: input.taskId },
        data: { jobId: target.job.id, round: target.task.roundNumber, resultId: result.id, artifactSha256: input.artifactSha256, sampleCount: input.sampleCount, metrics: input.metrics },
        ...(options.requestId ? { requestId: options.requestId } : {}),
      },
    ]);
    return { result, jobId: target.job.id, created: true };
  });
}

async function findStoredResult(deps: SchedulerDependencies, taskId: string): Promise<ResultRow | undefined> {
  const [row] = await deps.db.select().from(results).where(eq(results.taskId, taskId));
  return row;
}

/** Returns the stored result when the submission is the same one, else rejects it with a 409. */
function compareWithStored(stored: ResultRow, input: SubmitResultInput): ResultRow {
  const same =
    stored.artifactKey === input.artifactKey &&
    stored.artifactSha256 === input.artifactSha256 &&
    stored.sampleCount === input.sampleCount &&
    canonicalJson(stored.metrics) === canonicalJson(input.metrics);
  if (!same) {
    throw new ApiError(
      'conflict',
      `task ${input.taskId} already has a result (artifact SHA-256 ${stored.artifactSha256}, ${stored.sampleCount} samples) submitted at ${stored.submittedAt.toISOString()}; a task takes exactly one result`,
    );
  }
  return stored;
}

async function verifySignature(deps: SchedulerDependencies, gatewayId: string, input: SubmitResultInput): Promise<void> {
  const [gateway] = await deps.db.select({ publicKey: gateways.publicKey }).from(gateways).where(eq(gateways.id, gatewayId));
  if (!gateway?.publicKey) {
    throw new ApiError('invalid_state', `gateway ${gatewayId} has no registered public key, so its results cannot be verified; enrol it again`);
  }
  if (!verifyResultSignature(gateway.publicKey, input, input.signature)) {
    throw new ApiError('unprocessable', `the signature does not verify with gateway ${gatewayId}'s registered Ed25519 key; sign the canonical JSON of {taskId, leaseToken, artifactSha256, sampleCount, metrics} with the gateway's private key`, {
      errors: [{ path: 'body.signature', message: 'signature does not verify' }],
    });
  }
}

/** Reads the uploaded blob and checks its SHA-256; returns its size in bytes. */
async function verifyArtifact(deps: SchedulerDependencies, input: SubmitResultInput): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = await deps.blobStore.get(input.artifactKey);
  } catch (error) {
    if (error instanceof BlobNotFoundError) {
      throw new ApiError('unprocessable', `no artifact was uploaded at ${input.artifactKey}; upload the update through tasks.createUploadUrl first`, {
        errors: [{ path: 'body.artifactKey', message: 'no blob at this key' }],
      });
    }
    throw error;
  }

  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== input.artifactSha256) {
    throw new ApiError('unprocessable', `the uploaded artifact's SHA-256 is ${sha256}, not the declared ${input.artifactSha256}; upload the update again`, {
      errors: [{ path: 'body.artifactSha256', message: `uploaded blob has SHA-256 ${sha256}` }],
    });
  }
  return bytes.byteLength;
}
