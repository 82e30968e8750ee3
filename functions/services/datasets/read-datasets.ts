import { and, desc, eq, inArray, lt, or } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { datasets } from '../../../db/schema/index.js';
import { notFound } from '../../api/errors/api-error.js';
import type { Cursor } from '../../api/pagination.js';
import type { DatasetRow } from './register-dataset.js';
import { organizationsVisibleTo } from './visible-organizations.js';

/** A dataset the organization may see (its own or an active partner's), else 404. */
export async function getVisibleDataset(db: Executor, organizationId: string, datasetId: string): Promise<DatasetRow> {
  const visible = await organizationsVisibleTo(db, organizationId);
  const [dataset] = await db
    .select()
    .from(datasets)
    .where(and(eq(datasets.id, datasetId), inArray(datasets.organizationId, visible)))
    .limit(1);
  if (!dataset) throw notFound('dataset', datasetId);
  return dataset;
}

/** Visible datasets, newest first, limit + 1 rows (see toPage); optionally of one owner. */
export async function listVisibleDatasets(
  db: Executor,
  organizationId: string,
  page: { limit: number; cursor?: Cursor; ownerOrganizationId?: string; gatewayId?: string },
): Promise<DatasetRow[]> {
  const visible = await organizationsVisibleTo(db, organizationId);
  const owners = page.ownerOrganizationId ? visible.filter((id) => id === page.ownerOrganizationId) : visible;
  if (owners.length === 0) return [];

  const after = page.cursor
    ? or(
        lt(datasets.createdAt, new Date(String(page.cursor.sortKey))),
        and(eq(datasets.createdAt, new Date(String(page.cursor.sortKey))), lt(datasets.id, page.cursor.id)),
      )
    : undefined;
  return db
    .select()
    .from(datasets)
    .where(and(inArray(datasets.organizationId, owners), page.gatewayId ? eq(datasets.gatewayId, page.gatewayId) : undefined, after))
    .orderBy(desc(datasets.createdAt), desc(datasets.id))
    .limit(page.limit + 1);
}
