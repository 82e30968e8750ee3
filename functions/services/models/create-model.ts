import { newId } from '../../../db/ids.js';
import { models } from '../../../db/schema/index.js';
import { assertProjectActive } from '../projects/assert-project-active.js';
import { getVisibleProject } from '../projects/get-visible-project.js';
import type { ServiceContext } from '../service-context.js';
import { parseModelSpecForDatasets } from './parse-model-spec.js';
import type { ModelRow } from './read-models.js';
import { recordModelEvent } from './record-model-event.js';
import { resolveModelDatasets } from './resolve-model-datasets.js';

export interface CreateModelInput {
  projectId: string;
  name: string;
  /** The spec as sent; it is parsed, checked against the datasets and stored normalised. */
  spec: unknown;
  /** Links whose datasets the model runs on; every requested or approved link when omitted. */
  datasetLinkIds?: readonly string[];
}

/** Creates a model in an active project after checking its spec against the linked datasets. */
export async function createModel(context: ServiceContext, creator: { organizationId: string }, input: CreateModelInput): Promise<ModelRow> {
  return context.db.transaction(async (tx) => {
    // The lock keeps the project from being frozen between the check and the insert.
    const project = await getVisibleProject(tx, creator.organizationId, input.projectId, { lock: true });
    assertProjectActive(project);

    const datasets = await resolveModelDatasets(tx, project.id, input.datasetLinkIds);
    const { spec, sha256 } = parseModelSpecForDatasets(input.spec, datasets);

    const [model] = await tx
      .insert(models)
      .values({
        id: newId('model'),
        organizationId: creator.organizationId,
        projectId: project.id,
        name: input.name,
        family: spec.family,
        spec,
        specSha256: sha256,
        datasetIds: datasets.map((dataset) => dataset.id),
        createdBy: context.actor.id,
        createdAt: context.now,
        updatedAt: context.now,
      })
      .returning();
    if (!model) throw new Error('insert into models returned no row');

    await recordModelEvent(tx, context, {
      organizationIds: [model.organizationId, ...datasets.map((dataset) => dataset.organizationId)],
      action: 'model.created',
      target: { type: 'model', id: model.id },
      data: { projectId: project.id, name: model.name, family: model.family, specSha256: sha256, datasetIds: model.datasetIds },
    });
    return model;
  });
}
