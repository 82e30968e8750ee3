import { and, eq } from 'drizzle-orm';
import { newId } from '../../../db/ids.js';
import { datasets, type DatasetColumn } from '../../../db/schema/index.js';
import { ApiError, notFound } from '../../api/errors/api-error.js';
import { recordAuditEvent } from '../audit/record-audit-event.js';
import type { ServiceContext } from '../service-context.js';

export type DatasetRow = typeof datasets.$inferSelect;

export interface DatasetDescription {
  name: string;
  description: string;
  columns: DatasetColumn[];
  rowCount: number;
}

/** Registers a dataset's description for the calling gateway; a second one with the same name is a conflict. */
export async function registerDataset(
  context: ServiceContext,
  gateway: { organizationId: string; gatewayId: string },
  input: DatasetDescription,
): Promise<DatasetRow> {
  return context.db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: datasets.id })
      .from(datasets)
      .where(and(eq(datasets.gatewayId, gateway.gatewayId), eq(datasets.name, input.name)));
    if (existing) {
      throw new ApiError('conflict', `this gateway already registered a dataset named "${input.name}" (${existing.id}); update it with datasets.update`);
    }

    const [dataset] = await tx
      .insert(datasets)
      .values({
        id: newId('dataset'),
        organizationId: gateway.organizationId,
        gatewayId: gateway.gatewayId,
        ...input,
        createdAt: context.now,
        updatedAt: context.now,
      })
      .returning();
    if (!dataset) throw new Error('insert into datasets returned no row');

    await recordAuditEvent(tx, {
      organizationId: gateway.organizationId,
      actor: context.actor,
      action: 'dataset.registered',
      target: { type: 'dataset', id: dataset.id },
      data: { name: dataset.name, columns: dataset.columns.length, rowCount: dataset.rowCount },
      ...(context.requestId ? { requestId: context.requestId } : {}),
    });
    return dataset;
  });
}

/** Replaces the description of one of the calling gateway's datasets (new schema or counts). */
export async function updateDataset(
  context: ServiceContext,
  gateway: { organizationId: string; gatewayId: string },
  datasetId: string,
  input: DatasetDescription,
): Promise<DatasetRow> {
  return context.db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(datasets)
      .where(and(eq(datasets.id, datasetId), eq(datasets.gatewayId, gateway.gatewayId)))
      .for('update');
    if (!current) throw notFound('dataset', datasetId);

    const [updated] = await tx
      .update(datasets)
      .set({ ...input, updatedAt: context.now })
      .where(eq(datasets.id, datasetId))
      .returning();
    if (!updated) throw notFound('dataset', datasetId);

    await recordAuditEvent(tx, {
      organizationId: gateway.organizationId,
      actor: context.actor,
      action: 'dataset.updated',
      target: { type: 'dataset', id: datasetId },
      data: { name: updated.name, columns: updated.columns.length, rowCount: updated.rowCount, previousRowCount: current.rowCount },
      ...(context.requestId ? { requestId: context.requestId } : {}),
    });
    return updated;
  });
}
