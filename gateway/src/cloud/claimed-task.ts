import { COMPUTATION_NAMES, JOB_KINDS } from '@onsite/compute';
import { z } from 'zod';

/** A presigned HTTP request: the signature covers the URL and the listed headers. */
export const presignedRequestSchema = z.object({
  method: z.enum(['PUT', 'GET']),
  url: z.string().url(),
  headers: z.record(z.string(), z.string()),
  expiresAt: z.string(),
});
export type PresignedRequest = z.infer<typeof presignedRequestSchema>;

/**
 * A task as `tasks.claim` returns it. The gateway parses it again instead of trusting the generated
 * types, because everything it runs is decided from these fields.
 */
export const claimedTaskSchema = z.object({
  taskId: z.string().min(1),
  jobId: z.string().min(1),
  roundId: z.string().min(1),
  roundNumber: z.number().int().min(1),
  projectId: z.string().min(1),
  datasetId: z.string().min(1),
  modelId: z.string().min(1),
  kind: z.enum(JOB_KINDS),
  computation: z.enum(COMPUTATION_NAMES),
  spec: z.record(z.string(), z.unknown()),
  specSha256: z.string().regex(/^[0-9a-f]{64}$/),
  parameters: z.record(z.string(), z.unknown()),
  globalTensors: presignedRequestSchema.extend({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }).nullable(),
  leaseToken: z.string().min(16),
  leaseExpiresAt: z.string(),
  leaseSeconds: z.number().int().positive(),
  attempt: z.number().int().min(1),
  maxAttempts: z.number().int().min(1),
  roundDeadlineAt: z.string(),
});
export type ClaimedTask = z.infer<typeof claimedTaskSchema>;

/** Upload target of an update: one presigned request, or one URL per part of a multipart upload. */
export const uploadTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('single'), key: z.string().min(1), request: presignedRequestSchema }),
  z.object({
    kind: z.literal('multipart'),
    key: z.string().min(1),
    uploadId: z.string().min(1),
    partSizeBytes: z.number().int().positive(),
    parts: z
      .array(z.object({ partNumber: z.number().int().min(1), url: z.string().url(), start: z.number().int().min(0), end: z.number().int().min(0) }))
      .min(1),
    expiresAt: z.string(),
  }),
]);
export type UploadTarget = z.infer<typeof uploadTargetSchema>;
