import { MULTIPART_THRESHOLD_BYTES, planMultipartUpload } from '../../blob-store/multipart-plan.js';
import type { PresignedRequest } from '../../blob-store/blob-store.js';
import { ROUND_UPDATE_TAG, updateKey } from './job-blob-keys.js';
import type { SchedulerDependencies } from './scheduler-dependencies.js';
import { assertLeaseHeld, loadGatewayTask } from './task-lease.js';

/** Every site update is tagged so that the deployment's lifecycle rule can expire it. */
const ROUND_UPDATE_TAGS = { [ROUND_UPDATE_TAG.key]: ROUND_UPDATE_TAG.value };

/** Seconds an upload URL stays valid. */
export const UPLOAD_URL_SECONDS = 900;

export type UploadTarget =
  | { kind: 'single'; key: string; request: PresignedRequest }
  | {
      kind: 'multipart';
      key: string;
      uploadId: string;
      partSizeBytes: number;
      /** One presigned PUT per part, with the byte range (`end` exclusive) of the body it carries. */
      parts: Array<{ partNumber: number; url: string; start: number; end: number }>;
      expiresAt: string;
    };

/**
 * Returns where the lease holder uploads its update: one presigned PUT bound to the declared size,
 * or presigned parts when the update is larger than 8 MiB (`MULTIPART_THRESHOLD_BYTES`), so a
 * dropped connection costs one part instead of the whole upload.
 */
export async function createUploadUrl(
  deps: SchedulerDependencies,
  gateway: { gatewayId: string },
  input: { taskId: string; leaseToken: string; sizeBytes: number },
): Promise<UploadTarget> {
  const now = deps.now();
  const target = await loadGatewayTask(deps.db, gateway.gatewayId, input.taskId);
  assertLeaseHeld(target, input.leaseToken, now);

  const { task, job } = target;
  const key = updateKey(job.organizationId, job.id, task.roundNumber, task.id);

  if (input.sizeBytes <= MULTIPART_THRESHOLD_BYTES) {
    const request = await deps.blobStore.presignPut(key, { expiresInSeconds: UPLOAD_URL_SECONDS, contentLength: input.sizeBytes, contentType: 'application/octet-stream', tags: ROUND_UPDATE_TAGS });
    return { kind: 'single', key, request };
  }

  const plan = planMultipartUpload(input.sizeBytes);
  const upload = await deps.blobStore.createMultipartUpload(key, { partCount: plan.partCount, expiresInSeconds: UPLOAD_URL_SECONDS, contentType: 'application/octet-stream', tags: ROUND_UPDATE_TAGS });
  const ranges = new Map(plan.parts.map((part) => [part.partNumber, part]));
  return {
    kind: 'multipart',
    key,
    uploadId: upload.uploadId,
    partSizeBytes: plan.partSizeBytes,
    parts: upload.parts.map((part) => {
      const range = ranges.get(part.partNumber);
      return { partNumber: part.partNumber, url: part.url, start: range?.start ?? 0, end: range?.end ?? 0 };
    }),
    expiresAt: new Date(now.getTime() + UPLOAD_URL_SECONDS * 1000).toISOString(),
  };
}

/** Assembles the parts of a multipart upload of the task's update; the lease must still be held. */
export async function completeUpload(
  deps: SchedulerDependencies,
  gateway: { gatewayId: string },
  input: { taskId: string; leaseToken: string; uploadId: string; parts: Array<{ partNumber: number; etag: string }> },
): Promise<{ key: string }> {
  const target = await loadGatewayTask(deps.db, gateway.gatewayId, input.taskId);
  assertLeaseHeld(target, input.leaseToken, deps.now());

  const { task, job } = target;
  const key = updateKey(job.organizationId, job.id, task.roundNumber, task.id);
  await deps.blobStore.completeMultipartUpload(key, input.uploadId, input.parts);
  return { key };
}
