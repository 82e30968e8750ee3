import { withApprovalStatus } from '../../../services/models/approval-status.js';
import { listProjectModels } from '../../../services/models/read-models.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../pagination.js';
import { idParams } from '../../schemas/common.js';
import { modelSchema, toModel } from './model-schema.js';

export const route = defineRoute({
  method: 'get',
  path: '/v1/projects/{projectId}/models',
  operationId: 'models.list',
  tags: ['models'],
  summary: "List a project's models with their approval state (any project member)",
  security: 'apiKey',
  request: { params: idParams('projectId', 'project'), query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(modelSchema, 'ModelPage'), 'A page of models, newest first.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { projectId } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    const decoded = decodeCursor(cursor);
    const db = c.get('deps').db;

    const rows = await listProjectModels(db, principal.organizationId, projectId, { limit, ...(decoded ? { cursor: decoded } : {}) });
    const page = toPage(
      rows,
      limit,
      (row) => row,
      (row) => ({ sortKey: row.createdAt.toISOString(), id: row.id }),
    );
    const items = (await withApprovalStatus(db, page.items)).map(({ model, status }) => toModel(model, status));
    return c.json({ items, nextCursor: page.nextCursor }, 200);
  });
}
