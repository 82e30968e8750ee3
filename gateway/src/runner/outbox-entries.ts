import { z } from 'zod';

/**
 * The payloads the runner puts in the outbox. A result carries its encoded tensors (base64), so it
 * can be uploaded again after a crash without computing again. A refusal carries its reason, so
 * the cloud learns it even when the refusal happened while the network was down.
 */
export const TASK_RESULT_KIND = 'task_result';
export const TASK_REFUSAL_KIND = 'task_refusal';

export const taskResultPayloadSchema = z
  .object({
    taskId: z.string().min(1),
    jobId: z.string().min(1),
    roundNumber: z.number().int().min(1),
    leaseToken: z.string().min(1),
    /** Safetensors bytes of the contribution, base64. */
    artifactBase64: z.string().min(1),
    artifactSha256: z.string().regex(/^[0-9a-f]{64}$/),
    sampleCount: z.number().int().min(1),
    metrics: z.record(z.string(), z.number()),
  })
  .strict();
export type TaskResultPayload = z.infer<typeof taskResultPayloadSchema>;

export const taskRefusalPayloadSchema = z
  .object({
    taskId: z.string().min(1),
    jobId: z.string().min(1),
    leaseToken: z.string().min(1),
    /** Policy rejection code, for the local audit log. */
    code: z.string().min(1),
    /** Reason sent to the cloud; it states bounds, never a patient count or value. */
    reason: z.string().min(1).max(2000),
  })
  .strict();
export type TaskRefusalPayload = z.infer<typeof taskRefusalPayloadSchema>;
