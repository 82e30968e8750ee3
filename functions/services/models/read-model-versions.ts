import { and, desc, eq, lt } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { modelVersions } from '../../../db/schema/index.js';
import { notFound } from '../../api/errors/api-error.js';
import type { Cursor } from '../../api/pagination.js';
import type { ModelVersionRow } from './create-model-version.js';
import { cursorInteger } from './cursor-values.js';
import { getVisibleModel } from './read-models.js';

/** Versions of a model the organization can see, newest first, limit + 1 rows (see toPage). */
export async function listModelVersions(
  db: Executor,
  organizationId: string,
  modelId: string,
  page: { limit: number; cursor?: Cursor },
): Promise<ModelVersionRow[]> {
  await getVisibleModel(db, organizationId, modelId);
  // Version numbers are unique per model, so the number alone orders the pages.
  const after = page.cursor ? lt(modelVersions.version, cursorInteger(page.cursor)) : undefined;
  return db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.modelId, modelId), after))
    .orderBy(desc(modelVersions.version))
    .limit(page.limit + 1);
}

/** One version of a model the organization can see, else 404. */
export async function getModelVersion(db: Executor, organizationId: string, modelId: string, versionId: string): Promise<ModelVersionRow> {
  await getVisibleModel(db, organizationId, modelId);
  const [version] = await db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.id, versionId), eq(modelVersions.modelId, modelId)));
  if (!version) throw notFound('model version', versionId);
  return version;
}
