import { eq } from 'drizzle-orm';
import { models } from '../../../db/schema/index.js';
import { ApiError, notFound } from '../../api/errors/api-error.js';
import { assertProjectActive } from '../projects/assert-project-active.js';
import { getVisibleProject } from '../projects/get-visible-project.js';
import type { ServiceContext } from '../service-context.js';
import { parseModelSpecForDatasets } from './parse-model-spec.js';
import { getVisibleModel, type ModelRow } from './read-models.js';
import { recordModelEvent } from './record-model-event.js';
import { loadDatasets } from './resolve-model-datasets.js';

export interface ModelChanges {
  name?: string;
  spec?: unknown;
}

/**
 * Renames a model or replaces its spec. Only the organization that created the model may change
 * it. A new spec is checked against the model's datasets as they are described now, and gets a
 * new SHA-256, so approvals of the old one stop counting; they stay stored as history.
 */
export async function updateModel(context: ServiceContext, editor: { organizationId: string }, modelId: string, changes: ModelChanges): Promise<ModelRow> {
  return context.db.transaction(async (tx) => {
    const current = await getVisibleModel(tx, editor.organizationId, modelId, { lock: true });
    if (current.organizationId !== editor.organizationId) {
      throw new ApiError('forbidden', `model ${modelId} belongs to organization ${current.organizationId}; only its members may change it`);
    }
    assertProjectActive(await getVisibleProject(tx, editor.organizationId, current.projectId));

    const datasets = await loadDatasets(tx, current.datasetIds);
    const parsed = changes.spec === undefined ? undefined : parseModelSpecForDatasets(changes.spec, datasets);

    const [updated] = await tx
      .update(models)
      .set({
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(parsed ? { spec: parsed.spec, specSha256: parsed.sha256, family: parsed.spec.family } : {}),
        updatedAt: context.now,
      })
      .where(eq(models.id, modelId))
      .returning();
    if (!updated) throw notFound('model', modelId);

    await recordModelEvent(tx, context, {
      organizationIds: [updated.organizationId, ...datasets.map((dataset) => dataset.organizationId)],
      action: 'model.updated',
      target: { type: 'model', id: modelId },
      data: { name: updated.name, previousSpecSha256: current.specSha256, specSha256: updated.specSha256 },
    });
    return updated;
  });
}
