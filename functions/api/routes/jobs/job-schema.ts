import { z } from '@hono/zod-openapi';
import { COMPUTATION_NAMES, DEFAULT_MINIMUM_CELL_SIZE, JOB_KINDS } from '@onsite/compute';
import { ID_PREFIXES } from '../../../../db/ids.js';
import { JOB_STATES, ROUND_STATES, TASK_STATES } from '../../../../db/schema/index.js';
import type { RoundWithSites } from '../../../services/jobs/list-rounds.js';
import type { JobRow } from '../../../services/jobs/project-access.js';
import { idSchema, iso, timestampSchema } from '../../schemas/common.js';

export const jobKindSchema = z.enum(JOB_KINDS).openapi('JobKind');
export const computationNameSchema = z.enum(COMPUTATION_NAMES).openapi('ComputationName');

/** JSON object of numbers: metrics as sites report them and rounds aggregate them. */
export const metricsSchema = z.record(z.string().max(128), z.number().finite()).openapi('Metrics');

const versionPrefix = ID_PREFIXES.modelVersion;

/** Description of `settings.options`: the keys each computation's `initialState` reads. The request and the stored job share it. */
export const JOB_OPTIONS_DESCRIPTION = [
  'Computation-specific options. Each computation reads these keys:',
  '',
  `- \`descriptive\`: \`numeric\` (list of \`{ column, binEdges?, shift? }\`), \`categorical\` (list of \`{ column, levels }\`), \`dtype\` (\`float32\` or \`float64\`, \`float64\` by default) and \`minimumCellSize\` (${DEFAULT_MINIMUM_CELL_SIZE} by default). List at least one column, and only columns the model spec uses.`,
  '- `kaplan_meier`: `groupLevels` (the levels of the spec\'s `groupBy` column, required when the spec has one), `times` (non-negative times at which to report survival) and `confidenceLevel` (between 0 and 1, 0.95 by default).',
  '- `cox_newton`, `logistic_newton`, `logistic_fedavg`, `mlp_fedavg`: no options, because they read only the model spec and `maxRounds`.',
  '- `evaluate_binary`: `coefficients` (required), the logistic coefficients by name, with `(Intercept)`.',
  `- \`predict_binary\`: \`modelVersionId\` (a \`${versionPrefix}_\` id of a version of the job's model, trained with its current spec), or \`weights\` (the tensors as JSON: \`{ "layer0.weight": { "dtype": "F32", "shape": [6, 4], "data": [...] }, ... }\`), or, for a logistic model, \`coefficients\` by name with \`(Intercept)\`. Also \`threshold\`, the probability from which a row is predicted positive (between 0 and 1, 0.5 by default).`,
  `- \`predict_multiclass\`: \`modelVersionId\` (a \`${versionPrefix}_\` id, as for \`predict_binary\`) or \`weights\` (the tensors as JSON).`,
  '',
  'A predict job takes `modelVersionId` or inline weights, not both. The server loads the version\'s weights when the job is created, and the job\'s settings keep only `modelVersionId`.',
].join('\n');

export const jobSettingsSchema = z
  .object({
    maxRounds: z.number().int().openapi({ description: 'Rounds to run, or the maximum for iterative methods.' }),
    quorum: z.number().int().openapi({ description: 'Valid results a round needs before it is aggregated.' }),
    roundDeadlineSeconds: z.number().int().openapi({ description: 'Seconds a round waits for results.' }),
    leaseSeconds: z.number().int().openapi({ description: 'Seconds a claimed task is held without a heartbeat.' }),
    maxAttempts: z.number().int().openapi({ description: 'Expired leases a task may have before it fails.' }),
    options: z.record(z.string(), z.unknown()).openapi({ description: JOB_OPTIONS_DESCRIPTION }),
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
