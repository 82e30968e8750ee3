import type { KeyObject } from 'node:crypto';

import type { Logger } from 'pino';

import { uploadBlob } from '../cloud/blob-transfer.js';
import { classifyCloudFailure } from '../cloud/cloud-errors.js';
import type { FetchFunction, GatewayCloud } from '../cloud/gateway-cloud.js';
import { backoffDelay, type BackoffOptions } from '../net/backoff.js';
import {
  acknowledgeDelivery,
  appendAuditEvent,
  listPendingDeliveries,
  recordDeliveryAttempt,
  signJson,
  type PendingDelivery,
} from '../state/index.js';
import { TASK_REFUSAL_KIND, TASK_RESULT_KIND, taskRefusalPayloadSchema, taskResultPayloadSchema } from './outbox-entries.js';

export interface DeliveryDependencies {
  stateDir: string;
  cloud: GatewayCloud;
  fetch: FetchFunction;
  privateKey: KeyObject;
  logger: Logger;
  now: () => Date;
  backoff: BackoffOptions;
}

export interface DeliveryReport {
  delivered: number;
  dropped: number;
  /** Deliveries left in the outbox: not due yet, or failed with a retryable error. */
  waiting: number;
  /** True when a delivery failed because the cloud could not be reached. */
  unreachable: boolean;
}

/**
 * Sends every due delivery in the outbox, oldest first. A delivery leaves the outbox only when the
 * cloud accepted it, or when the cloud rejected it for good (a lost lease, an unknown task).
 * Sending such a delivery again could only fail again, and a result must never be submitted under a
 * stale lease. After a retryable failure (network, 5xx) the delivery waits for its backoff and the
 * rest of the outbox waits too, because the cloud is most likely unreachable for them as well.
 */
export async function deliverPending(deps: DeliveryDependencies, options: { onlyTaskId?: string; ignoreSchedule?: boolean } = {}): Promise<DeliveryReport> {
  const report: DeliveryReport = { delivered: 0, dropped: 0, waiting: 0, unreachable: false };
  const { deliveries, unreadable } = await listPendingDeliveries(deps.stateDir);
  for (const file of unreadable) {
    deps.logger.error({ file: file.file, reason: file.reason }, 'outbox file unreadable; it stays in place for the operator');
  }

  for (const delivery of deliveries) {
    if (options.onlyTaskId !== undefined && delivery.taskId !== options.onlyTaskId) {
      continue;
    }
    const due = delivery.nextAttemptAt === undefined || Date.parse(delivery.nextAttemptAt) <= deps.now().getTime();
    if (report.unreachable || (!due && options.ignoreSchedule !== true)) {
      report.waiting += 1;
      continue;
    }

    const log = deps.logger.child({ deliveryId: delivery.id, kind: delivery.kind, taskId: delivery.taskId });
    try {
      await deliverOne(deps, delivery, log);
      await acknowledgeDelivery(deps.stateDir, delivery.id);
      report.delivered += 1;
    } catch (error) {
      const failure = classifyCloudFailure(error);
      if (failure.action === 'drop') {
        log.warn({ reason: failure.reason, leaseProblem: failure.leaseProblem }, 'the cloud rejected the delivery for good; removed it from the outbox');
        await appendAuditEvent(
          deps.stateDir,
          {
            type: 'delivery.dropped',
            details: { deliveryId: delivery.id, kind: delivery.kind, taskId: delivery.taskId, jobId: jobIdOf(delivery), reason: failure.reason },
          },
          deps.now(),
        );
        await acknowledgeDelivery(deps.stateDir, delivery.id);
        report.dropped += 1;
        continue;
      }

      const delayMs = backoffDelay(Math.min(delivery.attempts, 30), deps.backoff);
      const nextAttemptAt = new Date(deps.now().getTime() + delayMs);
      await recordDeliveryAttempt(deps.stateDir, delivery.id, { error: failure.reason, nextAttemptAt }, deps.now());
      log.warn({ reason: failure.reason, attempts: delivery.attempts + 1, retryInMs: delayMs }, 'delivery failed; it stays in the outbox');
      report.unreachable = true;
      report.waiting += 1;
    }
  }
  return report;
}

async function deliverOne(deps: DeliveryDependencies, delivery: PendingDelivery, log: Logger): Promise<void> {
  if (delivery.kind === TASK_REFUSAL_KIND) {
    const refusal = taskRefusalPayloadSchema.parse(delivery.payload);
    await deps.cloud.refuseTask(refusal.taskId, refusal.leaseToken, refusal.reason);
    log.info({ jobId: refusal.jobId, code: refusal.code }, 'refusal delivered');
    await appendAuditEvent(deps.stateDir, { type: 'task.refusal_delivered', details: { taskId: refusal.taskId, jobId: refusal.jobId, code: refusal.code } }, deps.now());
    return;
  }

  if (delivery.kind !== TASK_RESULT_KIND) {
    throw new Error(`outbox entry ${delivery.id} has kind "${delivery.kind}", which this gateway version cannot send; move it out of the outbox`);
  }

  const result = taskResultPayloadSchema.parse(delivery.payload);
  const bytes = new Uint8Array(Buffer.from(result.artifactBase64, 'base64'));

  // A new upload URL per attempt: presigned URLs expire, and the key is the same for every attempt,
  // so a second upload replaces the first.
  const target = await deps.cloud.createUploadUrl(result.taskId, result.leaseToken, bytes.byteLength);
  const parts = await uploadBlob(deps.fetch, target, bytes);
  if (target.kind === 'multipart') {
    await deps.cloud.completeUpload(result.taskId, result.leaseToken, target.uploadId, parts);
  }

  const signed = {
    taskId: result.taskId,
    leaseToken: result.leaseToken,
    artifactSha256: result.artifactSha256,
    sampleCount: result.sampleCount,
    metrics: result.metrics,
  };
  const submitted = await deps.cloud.submitResult(result.taskId, {
    leaseToken: result.leaseToken,
    artifactKey: target.key,
    artifactSha256: result.artifactSha256,
    sampleCount: result.sampleCount,
    metrics: result.metrics,
    signature: signJson(deps.privateKey, signed),
  });

  log.info({ jobId: result.jobId, round: result.roundNumber, resultId: submitted.resultId, bytes: bytes.byteLength }, 'result delivered');
  await appendAuditEvent(
    deps.stateDir,
    {
      type: 'task.result_delivered',
      details: {
        taskId: result.taskId,
        jobId: result.jobId,
        round: result.roundNumber,
        resultId: submitted.resultId,
        artifactSha256: result.artifactSha256,
        sampleCount: result.sampleCount,
        metrics: result.metrics,
      },
    },
    deps.now(),
  );
}

/** Returns the job id a queued payload names, for audit entries about the delivery itself. */
function jobIdOf(delivery: PendingDelivery): string | undefined {
  const payload = delivery.payload as { jobId?: unknown } | null;
  return typeof payload?.jobId === 'string' ? payload.jobId : undefined;
}
