import { loadOneModelApprovalStatus } from '../../../services/models/approval-status.js';
import { getVisibleModel } from '../../../services/models/read-models.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { modelParams, modelSchema, toModel } from './model-schema.js';

export const route = defineRoute({
  method: 'get',
  path: '/v1/models/{modelId}',
  operationId: 'models.get',
  tags: ['models'],
  summary: 'Read a model: its spec, SHA-256, datasets and which dataset owners approved the current spec (any project member)',
  security: 'apiKey',
  request: { params: modelParams },
  responses: { 200: jsonResponse(modelSchema, 'The model.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { modelId } = c.req.valid('param');
    const db = c.get('deps').db;
    const model = await getVisibleModel(db, principal.organizationId, modelId);
    return c.json(toModel(model, await loadOneModelApprovalStatus(db, model)), 200);
  });
}
