import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { datasetLinks, datasets } from '../../../db/schema/index.js';
import { ApiError, type FieldError } from '../../api/errors/api-error.js';
import type { DatasetLinkRow } from '../dataset-links/request-dataset-link.js';
import type { DatasetRow } from '../datasets/register-dataset.js';

/**
 * Link states whose datasets a model is checked against. A requested link counts, so a data
 * scientist can write the spec while the data officer reviews the link. A job still needs both
 * the link and the spec approved.
 */
export const MODEL_LINK_STATES = ['requested', 'approved'] as const satisfies ReadonlyArray<DatasetLinkRow['state']>;

/**
 * Datasets a new model is validated against and later runs on: those of the given links, or of
 * every requested or approved link of the project when none are given. Ordered by dataset id.
 */
export async function resolveModelDatasets(db: Executor, projectId: string, datasetLinkIds?: readonly string[]): Promise<DatasetRow[]> {
  const datasetIds = datasetLinkIds ? await datasetIdsOfGivenLinks(db, projectId, datasetLinkIds) : await datasetIdsOfProject(db, projectId);
  return loadDatasets(db, datasetIds);
}

/** Datasets by id, ordered by id; raises if one is missing, which a foreign key makes impossible. */
export async function loadDatasets(db: Executor, datasetIds: readonly string[]): Promise<DatasetRow[]> {
  if (datasetIds.length === 0) return [];
  const rows = await db
    .select()
    .from(datasets)
    .where(inArray(datasets.id, [...datasetIds]))
    .orderBy(asc(datasets.id));
  if (rows.length !== new Set(datasetIds).size) {
    const found = new Set(rows.map((row) => row.id));
    throw new Error(`dataset(s) ${datasetIds.filter((id) => !found.has(id)).join(', ')} referenced by a model do not exist`);
  }
  return rows;
}

async function datasetIdsOfProject(db: Executor, projectId: string): Promise<string[]> {
  const links = await db
    .select({ datasetId: datasetLinks.datasetId })
    .from(datasetLinks)
    .where(and(eq(datasetLinks.projectId, projectId), inArray(datasetLinks.state, [...MODEL_LINK_STATES])));
  if (links.length === 0) {
    throw new ApiError(
      'invalid_state',
      `project ${projectId} has no requested or approved dataset link, so there is no schema to check the spec against; request a dataset link first`,
    );
  }
  return [...new Set(links.map((link) => link.datasetId))];
}

async function datasetIdsOfGivenLinks(db: Executor, projectId: string, datasetLinkIds: readonly string[]): Promise<string[]> {
  const links = await db
    .select({ id: datasetLinks.id, datasetId: datasetLinks.datasetId, state: datasetLinks.state })
    .from(datasetLinks)
    .where(and(eq(datasetLinks.projectId, projectId), inArray(datasetLinks.id, [...datasetLinkIds])));
  const byId = new Map(links.map((link) => [link.id, link]));

  const errors: FieldError[] = [];
  datasetLinkIds.forEach((linkId, index) => {
    const link = byId.get(linkId);
    const path = `body.datasetLinkIds.${index}`;
    if (!link) {
      errors.push({ path, message: `${linkId} is not a dataset link of project ${projectId}; list the project's links with datasetLinks.list` });
    } else if (!(MODEL_LINK_STATES as readonly string[]).includes(link.state)) {
      errors.push({ path, message: `dataset link ${linkId} is ${link.state}; only requested or approved links can carry a model` });
    }
  });
  if (errors.length > 0) {
    throw new ApiError('validation_failed', `${errors.length} of the given dataset links cannot carry a model in project ${projectId}; see errors`, { errors });
  }
  return [...new Set(links.map((link) => link.datasetId))];
}
