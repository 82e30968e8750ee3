import { z } from '@hono/zod-openapi';
import { loadOneModelApprovalStatus } from '../../../services/models/approval-status.js';
import { updateModel } from '../../../services/models/update-model.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { nameSchema } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { MODEL_EDITOR_ROLES, modelParams, modelSchema, modelSpecApiSchema, toModel } from './model-schema.js';

const requestSchema = z
  .object({ name: nameSchema.optional(), spec: modelSpecApiSchema.optional() })
  .strict()
  .refine((changes) => changes.name !== undefined || changes.spec !== undefined, { message: 'send name, spec or both' })
  .openapi('UpdateModelRequest');

export const route = defineRoute({
  method: 'patch',
  path: '/v1/models/{modelId}',
  operationId: 'models.update',
  tags: ['models'],
  summary: "Rename a model or replace its spec (owner, admin or data scientist of the model's organization); a new spec needs new approvals",
  security: 'apiKey',
  request: { params: modelParams, body: jsonBody(requestSchema) },
  responses: { 200: jsonResponse(modelSchema, 'The updated model; approvals of an older spec SHA-256 no longer count.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, MODEL_EDITOR_ROLES);
    const { modelId } = c.req.valid('param');
    const changes = c.req.valid('json');
    const model = await updateModel(serviceContext(c, principal), principal, modelId, changes);
    return c.json(toModel(model, await loadOneModelApprovalStatus(c.get('deps').db, model)), 200);
  });
}
