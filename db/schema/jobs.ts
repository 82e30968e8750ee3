import { index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, timestampColumn, updatedAt } from './columns.js';
import { datasetLinks, datasets } from './datasets.js';
import { gateways } from './gateways.js';
import { models } from './models.js';
import { organizations } from './organizations.js';
import { projects } from './projects.js';

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const TERMINAL_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

/** Settings of a job as stored, with every default filled in at creation. */
export interface StoredJobSettings {
  maxRounds: number;
  /** Valid results a round needs before it can be aggregated. */
  quorum: number;
  roundDeadlineSeconds: number;
  leaseSeconds: number;
  maxAttempts: number;
  /** Computation-specific options, validated by the computation's `initialState`. */
  options: Record<string, unknown>;
}

/**
 * A federated job: one computation run in rounds over the sites in `job_sites`. `organizationId`
 * is the organization that launched it. `spec` and `specSha256` are a copy of the model spec taken
 * at creation, so a later edit of the model never changes the spec a running job sends to its sites.
 * `serverState` is the computation's JSON state after the last completed round.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    modelId: text('model_id')
      .notNull()
      .references(() => models.id),
    spec: jsonb('spec').$type<Record<string, unknown>>().notNull(),
    specSha256: text('spec_sha256').notNull(),
    kind: text('kind', { enum: ['analytics', 'train', 'evaluate', 'predict'] }).notNull(),
    computation: text('computation').notNull(),
    settings: jsonb('settings').$type<StoredJobSettings>().notNull(),
    state: text('state', { enum: JOB_STATES }).notNull(),
    currentRound: integer('current_round').notNull(),
    serverState: jsonb('server_state').$type<unknown>().notNull(),
    results: jsonb('results').$type<Record<string, unknown>>().notNull().default({}),
    failureReason: text('failure_reason'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: timestampColumn('finished_at'),
  },
  (table) => [
    index('jobs_organization_id_idx').on(table.organizationId),
    index('jobs_project_id_idx').on(table.projectId, table.createdAt, table.id),
    index('jobs_state_idx').on(table.state),
  ],
);

/**
 * One site of a job: a gateway and one of its datasets, taken from an approved dataset link. A
 * site is identified by (job, dataset), which is also how its tasks refer to it.
 * `organizationId` is the job's organization; `datasetOrganizationId` is the hospital that owns the data.
 */
export const jobSites = pgTable(
  'job_sites',
  {
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    datasetLinkId: text('dataset_link_id')
      .notNull()
      .references(() => datasetLinks.id),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    gatewayId: text('gateway_id')
      .notNull()
      .references(() => gateways.id),
    datasetOrganizationId: text('dataset_organization_id')
      .notNull()
      .references(() => organizations.id),
    createdAt: createdAt(),
  },
  (table) => [
    primaryKey({ columns: [table.jobId, table.datasetId] }),
    index('job_sites_organization_id_idx').on(table.organizationId),
  ],
);

export const ROUND_STATES = ['open', 'aggregating', 'completed', 'failed'] as const;
export type RoundState = (typeof ROUND_STATES)[number];

/**
 * One round of a job. The move `open → aggregating` is a conditional update, so only one trigger
 * starts the aggregation. Every start, including the takeover of a stuck run, increments
 * `aggregationAttempt`. A run's final write requires the attempt it started with, so a stale run
 * cannot commit after another run has taken over.
 */
export const rounds = pgTable(
  'rounds',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    number: integer('number').notNull(),
    state: text('state', { enum: ROUND_STATES }).notNull(),
    parameters: jsonb('parameters').$type<Record<string, unknown>>().notNull(),
    globalTensorsKey: text('global_tensors_key'),
    globalTensorsSha256: text('global_tensors_sha256'),
    deadlineAt: timestampColumn('deadline_at').notNull(),
    quorum: integer('quorum').notNull(),
    aggregationAttempt: integer('aggregation_attempt').notNull().default(0),
    aggregationStartedAt: timestampColumn('aggregation_started_at'),
    metrics: jsonb('metrics').$type<Record<string, unknown>>().notNull().default({}),
    failureReason: text('failure_reason'),
    /** Sites without an accepted result when the round failed, with their task state and reason. */
    missingSites: jsonb('missing_sites').$type<MissingSite[]>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    closedAt: timestampColumn('closed_at'),
  },
  (table) => [
    index('rounds_organization_id_idx').on(table.organizationId),
    uniqueIndex('rounds_job_number_idx').on(table.jobId, table.number),
    index('rounds_state_deadline_idx').on(table.state, table.deadlineAt),
  ],
);

export interface MissingSite {
  gatewayId: string;
  gatewayName: string;
  datasetId: string;
  taskState: string;
  reason: string | null;
}

export const TASK_STATES = ['pending', 'leased', 'submitted', 'failed', 'refused', 'cancelled', 'rejected'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/**
 * The work one site does in one round. `availableAt` is when the task last became claimable, and
 * the claim queue is ordered by it. A task that comes back after an expired lease therefore waits
 * behind the tasks that were already waiting, instead of taking the head of the queue.
 * `rejected` marks a submitted result that the aggregation left out (its reason in `failureReason`).
 */
export const tasks = pgTable(
  'tasks',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    roundId: text('round_id')
      .notNull()
      .references(() => rounds.id),
    roundNumber: integer('round_number').notNull(),
    gatewayId: text('gateway_id')
      .notNull()
      .references(() => gateways.id),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    state: text('state', { enum: TASK_STATES }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    availableAt: timestampColumn('available_at').notNull(),
    leaseToken: text('lease_token'),
    leaseExpiresAt: timestampColumn('lease_expires_at'),
    leasedAt: timestampColumn('leased_at'),
    failureReason: text('failure_reason'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('tasks_organization_id_idx').on(table.organizationId),
    index('tasks_claim_idx').on(table.gatewayId, table.state, table.availableAt),
    index('tasks_round_id_idx').on(table.roundId),
    index('tasks_lease_expiry_idx').on(table.state, table.leaseExpiresAt),
    uniqueIndex('tasks_round_dataset_idx').on(table.roundId, table.datasetId),
  ],
);

/**
 * A task's submitted result: the update artifact in the blob store, its SHA-256, and the gateway's
 * Ed25519 signature over them. A task has at most one result, and resubmitting it changes nothing.
 */
export const results = pgTable(
  'results',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    taskId: text('task_id')
      .notNull()
      .references(() => tasks.id),
    roundId: text('round_id')
      .notNull()
      .references(() => rounds.id),
    gatewayId: text('gateway_id')
      .notNull()
      .references(() => gateways.id),
    artifactKey: text('artifact_key').notNull(),
    artifactSha256: text('artifact_sha256').notNull(),
    artifactSize: integer('artifact_size').notNull(),
    sampleCount: integer('sample_count').notNull(),
    metrics: jsonb('metrics').$type<Record<string, number>>().notNull(),
    signature: text('signature').notNull(),
    submittedAt: timestampColumn('submitted_at').notNull(),
  },
  (table) => [
    index('results_organization_id_idx').on(table.organizationId),
    uniqueIndex('results_task_id_idx').on(table.taskId),
    index('results_round_id_idx').on(table.roundId),
  ],
);
