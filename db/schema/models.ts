import { index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, timestampColumn, updatedAt } from './columns.js';
import { organizations } from './organizations.js';
import { projects } from './projects.js';

/**
 * A model in a project: its declarative spec and the spec's SHA-256 (of its canonical JSON).
 * Changing the spec changes the hash, so approvals pinned to the old hash no longer apply.
 */
export const models = pgTable(
  'models',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    name: text('name').notNull(),
    family: text('family').notNull(),
    spec: jsonb('spec').$type<Record<string, unknown>>().notNull(),
    specSha256: text('spec_sha256').notNull(),
    /** Dataset ids the spec was validated against. */
    datasetIds: jsonb('dataset_ids').$type<string[]>().notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('models_organization_id_idx').on(table.organizationId),
    index('models_project_id_idx').on(table.projectId),
  ],
);

export const MODEL_APPROVAL_STATES = ['approved', 'revoked'] as const;

/**
 * A hospital's approval of one exact spec (by SHA-256) for use on its datasets.
 * `organizationId` is the approving hospital.
 */
export const modelApprovals = pgTable(
  'model_approvals',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    modelId: text('model_id')
      .notNull()
      .references(() => models.id),
    specSha256: text('spec_sha256').notNull(),
    state: text('state', { enum: MODEL_APPROVAL_STATES }).notNull(),
    decidedBy: text('decided_by').notNull(),
    createdAt: createdAt(),
    revokedAt: timestampColumn('revoked_at'),
  },
  (table) => [
    index('model_approvals_organization_id_idx').on(table.organizationId),
    index('model_approvals_model_id_idx').on(table.modelId),
  ],
);

export interface ModelArtifact {
  /** Blob store key. */
  key: string;
  sha256: string;
  size: number;
  /** What the file holds, e.g. `weights` (safetensors) or `graph:site_step` (ONNX). */
  kind: string;
}

export interface ModelLineage {
  jobId?: string;
  round?: number;
  contributingGatewayIds?: string[];
  parentVersionId?: string;
}

/** A version of a model: its artifacts in the blob store and where it came from. */
export const modelVersions = pgTable(
  'model_versions',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    modelId: text('model_id')
      .notNull()
      .references(() => models.id),
    version: integer('version').notNull(),
    specSha256: text('spec_sha256').notNull(),
    artifacts: jsonb('artifacts').$type<ModelArtifact[]>().notNull(),
    lineage: jsonb('lineage').$type<ModelLineage>().notNull(),
    metrics: jsonb('metrics').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('model_versions_organization_id_idx').on(table.organizationId),
    uniqueIndex('model_versions_model_version_idx').on(table.modelId, table.version),
  ],
);
