import { z } from '@hono/zod-openapi';
import type { ClaimedTask } from '../../../services/jobs/claim-task.js';
import type { TaskRow } from '../../../services/jobs/task-lease.js';
import type { ResultRow } from '../../../services/jobs/submit-result.js';
import { TASK_STATES } from '../../../../db/schema/index.js';
import { idSchema, iso, timestampSchema } from '../../schemas/common.js';
import { computationNameSchema, jobKindSchema, metricsSchema } from '../jobs/job-schema.js';

export const presignedRequestSchema = z
  .object({
    method: z.enum(['PUT', 'GET']),
    url: z.string(),
    headers: z.record(z.string(), z.string()).openapi({ description: 'Headers to send with the request; the signature covers them.' }),
    expiresAt: timestampSchema,
  })
  .openapi('PresignedRequest');

export const leaseTokenSchema = z.string().min(16).max(128).openapi({ description: 'The lease token received with the claimed task.' });

export const claimedTaskSchema = z
  .object({
    taskId: idSchema('task'),
    jobId: idSchema('job'),
    roundId: idSchema('round'),
    roundNumber: z.number().int(),
    projectId: idSchema('project'),
    datasetId: idSchema('dataset'),
    modelId: idSchema('model'),
    kind: jobKindSchema,
    computation: computationNameSchema,
    spec: z.record(z.string(), z.unknown()).openapi({ description: 'The model spec to compile; its SHA-256 must equal specSha256.' }),
    specSha256: z.string(),
    parameters: z.record(z.string(), z.unknown()).openapi({ description: "The round's plan parameters." }),
    globalTensors: presignedRequestSchema
      .extend({ sha256: z.string() })
      .nullable()
      .openapi({ description: 'Download of the global tensors (safetensors) and their SHA-256, or null when the round has none.' }),
    leaseToken: leaseTokenSchema,
    leaseExpiresAt: timestampSchema,
    leaseSeconds: z.number().int().openapi({ description: 'How far each heartbeat extends the lease, in seconds.' }),
    attempt: z.number().int().openapi({ description: 'This lease is attempt number `attempt` of `maxAttempts`.' }),
    maxAttempts: z.number().int(),
    roundDeadlineAt: timestampSchema,
  })
  .openapi('ClaimedTask');

export const taskSchema = z
  .object({
    id: idSchema('task'),
    jobId: idSchema('job'),
    roundId: idSchema('round'),
    roundNumber: z.number().int(),
    gatewayId: idSchema('gateway'),
    datasetId: idSchema('dataset'),
    state: z.enum(TASK_STATES),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    leaseExpiresAt: timestampSchema.nullable(),
    failureReason: z.string().nullable(),
    updatedAt: timestampSchema,
  })
  .openapi('Task');

export const resultSchema = z
  .object({
    id: idSchema('result'),
    taskId: idSchema('task'),
    artifactKey: z.string(),
    artifactSha256: z.string(),
    artifactSize: z.number().int(),
    sampleCount: z.number().int(),
    metrics: metricsSchema,
    submittedAt: timestampSchema,
  })
  .openapi('TaskResult');

export function toClaimedTask(claimed: ClaimedTask): z.infer<typeof claimedTaskSchema> {
  const { task, job, round } = claimed;
  return {
    taskId: task.id,
    jobId: job.id,
    roundId: round.id,
    roundNumber: round.number,
    projectId: job.projectId,
    datasetId: task.datasetId,
    modelId: job.modelId,
    kind: job.kind,
    computation: job.computation as z.infer<typeof computationNameSchema>,
    spec: job.spec,
    specSha256: job.specSha256,
    parameters: round.parameters,
    globalTensors: claimed.globalTensors,
    leaseToken: task.leaseToken ?? '',
    leaseExpiresAt: iso(task.leaseExpiresAt) ?? '',
    leaseSeconds: job.settings.leaseSeconds,
    attempt: task.attempts + 1,
    maxAttempts: task.maxAttempts,
    roundDeadlineAt: round.deadlineAt.toISOString(),
  };
}

export function toTask(row: TaskRow): z.infer<typeof taskSchema> {
  return {
    id: row.id,
    jobId: row.jobId,
    roundId: row.roundId,
    roundNumber: row.roundNumber,
    gatewayId: row.gatewayId,
    datasetId: row.datasetId,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    leaseExpiresAt: iso(row.leaseExpiresAt),
    failureReason: row.failureReason,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toResult(row: ResultRow): z.infer<typeof resultSchema> {
  return {
    id: row.id,
    taskId: row.taskId,
    artifactKey: row.artifactKey,
    artifactSha256: row.artifactSha256,
    artifactSize: row.artifactSize,
    sampleCount: row.sampleCount,
    metrics: row.metrics,
    submittedAt: row.submittedAt.toISOString(),
  };
}
