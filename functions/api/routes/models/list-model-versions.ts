import { listModelVersions } from '../../../services/models/read-model-versions.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../pagination.js';
import { modelParams } from './model-schema.js';
import { modelVersionSummarySchema, toModelVersionSummary } from './model-version-schema.js';

export const route = defineRoute({
  method: 'get',
  path: '/v1/models/{modelId}/versions',
  operationId: 'models.listVersions',
  tags: ['models'],
  summary: "List a model's versions, newest first (any project member)",
  security: 'apiKey',
  request: { params: modelParams, query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(modelVersionSummarySchema, 'ModelVersionPage'), 'A page of versions, highest number first.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { modelId } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    const decoded = decodeCursor(cursor);
    const rows = await listModelVersions(c.get('deps').db, principal.organizationId, modelId, { limit, ...(decoded ? { cursor: decoded } : {}) });
    return c.json(toPage(rows, limit, toModelVersionSummary, (row) => ({ sortKey: row.version, id: row.id })), 200);
  });
}
