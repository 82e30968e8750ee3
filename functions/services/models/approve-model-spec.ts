import { and, eq } from 'drizzle-orm';
import { newId } from '../../../db/ids.js';
import { modelApprovals, type Role } from '../../../db/schema/index.js';
import { ApiError } from '../../api/errors/api-error.js';
import { assertProjectActive } from '../projects/assert-project-active.js';
import { getVisibleProject } from '../projects/get-visible-project.js';
import type { ServiceContext } from '../service-context.js';
import { datasetOwnersOf } from './approval-status.js';
import { getVisibleModel } from './read-models.js';
import { recordModelEvent } from './record-model-event.js';

export type ModelApprovalRow = typeof modelApprovals.$inferSelect;

/** Roles of a dataset-owning organization that approve and revoke model specs. */
export const SPEC_APPROVER_ROLES: readonly Role[] = ['data_officer', 'admin'];

/**
 * Approves the model's current spec on behalf of the caller's organization. The caller sends the
 * SHA-256 of the spec they reviewed; if the spec changed since, the approval is rejected, so an
 * officer never approves a spec they did not read. Only a data officer or admin of an
 * organization owning one of the model's datasets may approve; other project members get 403.
 */
export async function approveModelSpec(
  context: ServiceContext,
  approver: { organizationId: string; role: Role },
  modelId: string,
  specSha256: string,
): Promise<ModelApprovalRow> {
  return context.db.transaction(async (tx) => {
    const model = await getVisibleModel(tx, approver.organizationId, modelId, { lock: true });
    const owners = await datasetOwnersOf(tx, model.datasetIds);
    if (!owners.includes(approver.organizationId) || !SPEC_APPROVER_ROLES.includes(approver.role)) {
      throw new ApiError(
        'forbidden',
        `only a data officer or admin of an organization that owns one of the model's datasets (${owners.join(', ')}) may approve model ${modelId}`,
      );
    }
    assertProjectActive(await getVisibleProject(tx, approver.organizationId, model.projectId));

    if (specSha256 !== model.specSha256) {
      throw new ApiError(
        'conflict',
        `the approval names spec SHA-256 ${specSha256}, but model ${modelId} now has spec SHA-256 ${model.specSha256}; read the current spec with models.get and approve its SHA-256`,
      );
    }

    const [existing] = await tx
      .select({ id: modelApprovals.id })
      .from(modelApprovals)
      .where(
        and(
          eq(modelApprovals.modelId, modelId),
          eq(modelApprovals.organizationId, approver.organizationId),
          eq(modelApprovals.specSha256, specSha256),
          eq(modelApprovals.state, 'approved'),
        ),
      );
    if (existing) {
      throw new ApiError('conflict', `organization ${approver.organizationId} already approved spec ${specSha256} of model ${modelId} as ${existing.id}`);
    }

    const [approval] = await tx
      .insert(modelApprovals)
      .values({
        id: newId('modelApproval'),
        organizationId: approver.organizationId,
        modelId,
        specSha256,
        state: 'approved',
        decidedBy: context.actor.id,
        createdAt: context.now,
      })
      .returning();
    if (!approval) throw new Error('insert into model_approvals returned no row');

    await recordModelEvent(tx, context, {
      organizationIds: [approval.organizationId, model.organizationId],
      action: 'model_approval.approved',
      target: { type: 'model_approval', id: approval.id },
      data: { modelId, specSha256 },
    });
    return approval;
  });
}
