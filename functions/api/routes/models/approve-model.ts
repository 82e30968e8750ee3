import { z } from '@hono/zod-openapi';
import { approveModelSpec } from '../../../services/models/approve-model-spec.js';
import type { ApiApp } from '../../app.js';
import { ANY_ROLE, requireUser } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { serviceContext } from '../../service-context.js';
import { modelApprovalSchema, modelParams, specSha256Schema, toModelApproval } from './model-schema.js';

const requestSchema = z
  .object({
    specSha256: specSha256Schema.openapi({ description: 'SHA-256 of the spec you reviewed, from models.get; it must equal the current one.' }),
  })
  .strict()
  .openapi('ApproveModelRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/models/{modelId}/approvals',
  operationId: 'models.approve',
  tags: ['models'],
  summary: "Approve the model's current spec for your datasets (data officer or admin of an organization owning one of its datasets)",
  description: 'Returns 409 when `specSha256` is not the current spec SHA-256 (the spec changed after you read it) or when your organization already approved it.',
  security: 'apiKey',
  request: { params: modelParams, body: jsonBody(requestSchema) },
  responses: { 201: jsonResponse(modelApprovalSchema, 'The approval.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    // Any role may ask: the service answers 404 to non-members and 403 to members who may not approve.
    const principal = requireUser(c, ANY_ROLE);
    const { modelId } = c.req.valid('param');
    const { specSha256 } = c.req.valid('json');
    const approval = await approveModelSpec(serviceContext(c, principal), principal, modelId, specSha256);
    return c.json(toModelApproval(approval, specSha256), 201);
  });
}
