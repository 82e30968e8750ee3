import { eq, max } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { newId } from '../../../db/ids.js';
import { models, modelVersions, type ModelArtifact, type ModelLineage } from '../../../db/schema/index.js';
import { recordAuditEvent, type AuditActor } from '../audit/record-audit-event.js';

export type ModelVersionRow = typeof modelVersions.$inferSelect;

export interface CreateModelVersionInput {
  /** The model's organization, which owns the version; it must match the model row. */
  organizationId: string;
  modelId: string;
  /** SHA-256 of the spec the version was trained with, which may be older than the model's current one. */
  specSha256: string;
  artifacts: ModelArtifact[];
  lineage: ModelLineage;
  metrics: Record<string, unknown>;
  actor: AuditActor;
  requestId?: string;
  now?: Date;
}

/**
 * Inserts the next version of a model inside the caller's transaction and audits it there. The
 * model row is locked first, so two jobs finishing rounds at once get consecutive numbers instead
 * of one failing on the (model, version) unique index. Versions are written by the job
 * aggregator, never by a route.
 */
export async function createModelVersion(tx: Executor, input: CreateModelVersionInput): Promise<ModelVersionRow> {
  const [model] = await tx.select({ organizationId: models.organizationId }).from(models).where(eq(models.id, input.modelId)).for('update');
  if (!model) throw new Error(`cannot add a version to model ${input.modelId}: the model does not exist`);
  if (model.organizationId !== input.organizationId) {
    throw new Error(`cannot add a version to model ${input.modelId} for organization ${input.organizationId}: the model belongs to ${model.organizationId}`);
  }

  const [latest] = await tx.select({ version: max(modelVersions.version) }).from(modelVersions).where(eq(modelVersions.modelId, input.modelId));
  const now = input.now ?? new Date();
  const [version] = await tx
    .insert(modelVersions)
    .values({
      id: newId('modelVersion'),
      organizationId: model.organizationId,
      modelId: input.modelId,
      version: (latest?.version ?? 0) + 1,
      specSha256: input.specSha256,
      artifacts: input.artifacts,
      lineage: input.lineage,
      metrics: input.metrics,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  if (!version) throw new Error('insert into model_versions returned no row');

  await recordAuditEvent(tx, {
    organizationId: model.organizationId,
    actor: input.actor,
    action: 'model_version.created',
    target: { type: 'model_version', id: version.id },
    data: {
      modelId: input.modelId,
      version: version.version,
      specSha256: input.specSha256,
      artifacts: input.artifacts.map((artifact) => ({ kind: artifact.kind, sha256: artifact.sha256 })),
      ...(input.lineage.jobId ? { jobId: input.lineage.jobId } : {}),
      ...(input.lineage.round !== undefined ? { round: input.lineage.round } : {}),
    },
    ...(input.requestId ? { requestId: input.requestId } : {}),
  });
  return version;
}
