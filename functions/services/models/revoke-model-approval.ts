import { and, eq } from 'drizzle-orm';
import { modelApprovals, type Role } from '../../../db/schema/index.js';
import { ApiError, notFound } from '../../api/errors/api-error.js';
import type { ServiceContext } from '../service-context.js';
import { SPEC_APPROVER_ROLES, type ModelApprovalRow } from './approve-model-spec.js';
import { getVisibleModel, type ModelRow } from './read-models.js';
import { recordModelEvent } from './record-model-event.js';

/**
 * Revokes an approval: jobs created afterwards no longer run the spec on the organization's data.
 * Only a data officer or admin of the approving organization may revoke. Unlike approving, it is
 * allowed in a frozen project, because it only takes a permission away.
 */
export async function revokeModelApproval(
  context: ServiceContext,
  revoker: { organizationId: string; role: Role },
  modelId: string,
  approvalId: string,
): Promise<{ approval: ModelApprovalRow; model: ModelRow }> {
  return context.db.transaction(async (tx) => {
    const model = await getVisibleModel(tx, revoker.organizationId, modelId, { lock: true });
    const [approval] = await tx
      .select()
      .from(modelApprovals)
      .where(and(eq(modelApprovals.id, approvalId), eq(modelApprovals.modelId, modelId)));
    if (!approval) throw notFound('model approval', approvalId);

    if (approval.organizationId !== revoker.organizationId || !SPEC_APPROVER_ROLES.includes(revoker.role)) {
      throw new ApiError('forbidden', `only a data officer or admin of organization ${approval.organizationId}, which gave approval ${approvalId}, may revoke it`);
    }
    if (approval.state !== 'approved') {
      throw new ApiError('invalid_state', `model approval ${approvalId} is already ${approval.state}`);
    }

    const [revoked] = await tx
      .update(modelApprovals)
      .set({ state: 'revoked', revokedAt: context.now })
      .where(eq(modelApprovals.id, approvalId))
      .returning();
    if (!revoked) throw notFound('model approval', approvalId);

    await recordModelEvent(tx, context, {
      organizationIds: [revoked.organizationId, model.organizationId],
      action: 'model_approval.revoked',
      target: { type: 'model_approval', id: approvalId },
      data: { modelId, specSha256: revoked.specSha256 },
    });
    return { approval: revoked, model };
  });
}
