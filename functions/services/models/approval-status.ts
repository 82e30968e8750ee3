import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { datasets, modelApprovals } from '../../../db/schema/index.js';
import type { ModelRow } from './read-models.js';

type ApprovalRow = typeof modelApprovals.$inferSelect;

/** Where a model stands with the organizations whose data it uses. */
export interface ModelApprovalStatus {
  /** Every approval ever given, newest first, including revoked ones and those of older specs. */
  approvals: ApprovalRow[];
  /** Each dataset-owning organization, and whether it approved the model's current SHA-256. */
  datasetOwners: Array<{ organizationId: string; datasetIds: string[]; approved: boolean }>;
  /** True when every dataset-owning organization approved the current SHA-256. */
  approvedForAllDatasets: boolean;
}

/** Distinct owners of the datasets, sorted by id. */
export async function datasetOwnersOf(db: Executor, datasetIds: readonly string[]): Promise<string[]> {
  const owners = await ownersByDataset(db, datasetIds);
  return [...new Set(owners.values())].sort();
}

/**
 * Whether every organization that owns one of `datasetIds` has an approval in force for this exact
 * spec SHA-256 of the model, the rule job creation applies to the job's sites. An empty dataset
 * list, or an id with no dataset, gives false: no approval can cover data nobody owns.
 */
export async function isSpecApprovedByAllOwners(db: Executor, modelId: string, specSha256: string, datasetIds: readonly string[]): Promise<boolean> {
  const owners = await ownersByDataset(db, datasetIds);
  if (owners.size === 0 || datasetIds.some((id) => !owners.has(id))) return false;

  const required = [...new Set(owners.values())];
  const approvals = await db
    .select({ organizationId: modelApprovals.organizationId })
    .from(modelApprovals)
    .where(
      and(
        eq(modelApprovals.modelId, modelId),
        eq(modelApprovals.specSha256, specSha256),
        eq(modelApprovals.state, 'approved'),
        inArray(modelApprovals.organizationId, required),
      ),
    );
  const approved = new Set(approvals.map((approval) => approval.organizationId));
  return required.every((organizationId) => approved.has(organizationId));
}

/** Approval status of several models, in their order, with two queries whatever their number. */
export async function withApprovalStatus(db: Executor, modelRows: readonly ModelRow[]): Promise<Array<{ model: ModelRow; status: ModelApprovalStatus }>> {
  if (modelRows.length === 0) return [];

  const owners = await ownersByDataset(db, [...new Set(modelRows.flatMap((model) => model.datasetIds))]);
  const approvals = await db
    .select()
    .from(modelApprovals)
    .where(inArray(modelApprovals.modelId, modelRows.map((model) => model.id)))
    .orderBy(desc(modelApprovals.createdAt), desc(modelApprovals.id));

  return modelRows.map((model) => {
    const ownApprovals = approvals.filter((approval) => approval.modelId === model.id);
    const approvedBy = new Set(
      ownApprovals.filter((approval) => approval.state === 'approved' && approval.specSha256 === model.specSha256).map((approval) => approval.organizationId),
    );

    const datasetsByOwner = new Map<string, string[]>();
    for (const datasetId of model.datasetIds) {
      const owner = owners.get(datasetId);
      if (owner === undefined) continue;
      datasetsByOwner.set(owner, [...(datasetsByOwner.get(owner) ?? []), datasetId]);
    }
    const datasetOwners = [...datasetsByOwner.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([organizationId, datasetIds]) => ({ organizationId, datasetIds, approved: approvedBy.has(organizationId) }));

    const approvedForAllDatasets = datasetOwners.length > 0 && datasetOwners.every((owner) => owner.approved);
    return { model, status: { approvals: ownApprovals, datasetOwners, approvedForAllDatasets } };
  });
}

async function ownersByDataset(db: Executor, datasetIds: readonly string[]): Promise<Map<string, string>> {
  if (datasetIds.length === 0) return new Map();
  const rows = await db
    .select({ id: datasets.id, organizationId: datasets.organizationId })
    .from(datasets)
    .where(inArray(datasets.id, [...datasetIds]));
  return new Map(rows.map((row) => [row.id, row.organizationId]));
}

/** Approval status of one model. */
export async function loadOneModelApprovalStatus(db: Executor, model: ModelRow): Promise<ModelApprovalStatus> {
  const [entry] = await withApprovalStatus(db, [model]);
  if (!entry) throw new Error(`approval status of model ${model.id} was not computed`);
  return entry.status;
}
