import { z } from '@hono/zod-openapi';
import { COMPUTATION_NAMES, JOB_KINDS } from '@onsite/compute';
import { JOB_STATES, ROUND_STATES, TASK_STATES } from '../../../../db/schema/index.js';
import type { RoundWithSites } from '../../../services/jobs/list-rounds.js';
import type { JobRow } from '../../../services/jobs/project-access.js';
import { idSchema, iso, timestampSchema } from '../../schemas/common.js';

export const jobKindSchema = z.enum(JOB_KINDS).openapi('JobKind');
export const computationNameSchema = z.enum(COMPUTATION_NAMES).openapi('ComputationName');

/** JSON object of numbers: metrics as sites report them and rounds aggregate them. */
export const metricsSchema = z.record(z.string().max(128), z.number().finite()).openapi('Metrics');

export const jobSettingsSchema = z
  .object({
    maxRounds: z.number().int().openapi({ description: 'Rounds to run, or the maximum for iterative methods.' }),
    quorum: z.number().int().openapi({ description: 'Valid results a round needs before it is aggregated.' }),
    roundDeadlineSeconds: z.number().int().openapi({ description: 'Seconds a round waits for results.' }),
    leaseSeconds: z.number().int().openapi({ description: 'Seconds a claimed task is held without a heartbeat.' }),
    maxAttempts: z.number().int().openapi({ description: 'Expired leases a task may have before it fails.' }),
    options: z.record(z.string(), z.unknown()),
  })
  .openapi('JobSettings');

export const jobSchema = z
  .object({
    id: idSchema('job'),
    organizationId: idSchema('organization'),
    projectId: idSchema('project'),
    modelId: idSchema('model'),
    specSha256: z.string().openapi({ description: 'SHA-256 of the model spec this job runs, approved by every site.' }),
    kind: jobKindSchema,
    computation: z.string(),
    settings: jobSettingsSchema,
    state: z.enum(JOB_STATES),
    currentRound: z.number().int(),
    failureReason: z.string().nullable(),
    createdBy: z.string(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
    finishedAt: timestampSchema.nullable(),
  })
  .openapi('Job');

export const jobResultsSchema = z
  .object({
    jobId: idSchema('job'),
    state: z.enum(JOB_STATES),
    final: z.boolean().openapi({ description: 'True once the job succeeded; before that, the results after the last completed round.' }),
    completedRounds: z.number().int(),
    results: z.record(z.string(), z.unknown()).openapi({ description: "The computation's results: coefficients with confidence intervals, curves, metrics." }),
  })
  .openapi('JobResults');

export const roundSiteSchema = z
  .object({
    taskId: idSchema('task'),
    gatewayId: idSchema('gateway'),
    gatewayName: z.string(),
    datasetId: idSchema('dataset'),
    state: z.enum(TASK_STATES),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    leaseExpiresAt: timestampSchema.nullable(),
    reason: z.string().nullable().openapi({ description: 'Reason the task failed, was refused or rejected, or its last lease ended.' }),
    sampleCount: z.number().int().nullable(),
    metrics: metricsSchema.nullable(),
    submittedAt: timestampSchema.nullable(),
  })
  .openapi('RoundSite');

export const roundSchema = z
  .object({
    id: idSchema('round'),
    number: z.number().int(),
    state: z.enum(ROUND_STATES),
    parameters: z.record(z.string(), z.unknown()),
    globalTensorsSha256: z.string().nullable(),
    deadlineAt: timestampSchema,
    quorum: z.number().int(),
    metrics: z.record(z.string(), z.unknown()),
    failureReason: z.string().nullable(),
    missingSites: z
      .array(z.object({ gatewayId: z.string(), gatewayName: z.string(), datasetId: z.string(), taskState: z.string(), reason: z.string().nullable() }))
      .nullable(),
    createdAt: timestampSchema,
    closedAt: timestampSchema.nullable(),
    sites: z.array(roundSiteSchema),
  })
  .openapi('Round');

export function toJob(row: JobRow): z.infer<typeof jobSchema> {
  return {
    id: row.id,
    organizationId: row.organizationId,
    projectId: row.projectId,
    modelId: row.modelId,
    specSha256: row.specSha256,
    kind: row.kind,
    computation: row.computation,
    settings: row.settings,
    state: row.state,
    currentRound: row.currentRound,
    failureReason: row.failureReason,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    finishedAt: iso(row.finishedAt),
  };
}

export function toRound({ round, sites }: RoundWithSites): z.infer<typeof roundSchema> {
  return {
    id: round.id,
    number: round.number,
    state: round.state,
    parameters: round.parameters,
    globalTensorsSha256: round.globalTensorsSha256,
    deadlineAt: round.deadlineAt.toISOString(),
    quorum: round.quorum,
    metrics: round.metrics,
    failureReason: round.failureReason,
    missingSites: round.missingSites,
    createdAt: round.createdAt.toISOString(),
    closedAt: iso(round.closedAt),
    sites: sites.map((site) => ({
      ...site,
      leaseExpiresAt: iso(site.leaseExpiresAt),
      submittedAt: iso(site.submittedAt),
    })),
  };
}
