import { z } from '@hono/zod-openapi';
import { revokeModelApproval } from '../../../services/models/revoke-model-approval.js';
import type { ApiApp } from '../../app.js';
import { ANY_ROLE, requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { idSchema } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { modelApprovalSchema, toModelApproval } from './model-schema.js';

const paramsSchema = z.object({
  modelId: idSchema('model').openapi({ param: { name: 'modelId', in: 'path' } }),
  modelApprovalId: idSchema('modelApproval').openapi({ param: { name: 'modelApprovalId', in: 'path' } }),
});

export const route = defineRoute({
  method: 'post',
  path: '/v1/models/{modelId}/approvals/{modelApprovalId}/revoke',
  operationId: 'models.revokeApproval',
  tags: ['models'],
  summary: 'Revoke an approval (data officer or admin of the approving organization); new jobs can no longer use its data with this spec',
  security: 'apiKey',
  request: { params: paramsSchema },
  responses: { 200: jsonResponse(modelApprovalSchema, 'The revoked approval.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    // Any role may ask: the service answers 404 to non-members and 403 to members who may not revoke.
    const principal = requireUser(c, ANY_ROLE);
    const { modelId, modelApprovalId } = c.req.valid('param');
    const { approval, model } = await revokeModelApproval(serviceContext(c, principal), principal, modelId, modelApprovalId);
    return c.json(toModelApproval(approval, model.specSha256), 200);
  });
}
