import { z } from '@hono/zod-openapi';
import { DATASET_LINK_STATES } from '../../../../db/schema/index.js';
import { listProjectDatasetLinks } from '../../../services/dataset-links/read-dataset-links.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../pagination.js';
import { idParams } from '../../schemas/common.js';
import { datasetLinkSchema, toDatasetLink } from './dataset-link-schema.js';

const querySchema = pageQuerySchema.extend({ state: z.enum(DATASET_LINK_STATES).optional() }).strict();

export const route = defineRoute({
  method: 'get',
  path: '/v1/projects/{projectId}/dataset-links',
  operationId: 'datasetLinks.list',
  tags: ['dataset-links'],
  summary: "List a project's dataset links and their approval state (any project member)",
  security: 'apiKey',
  request: { params: idParams('projectId', 'project'), query: querySchema },
  responses: { 200: jsonResponse(pageSchema(datasetLinkSchema, 'DatasetLinkPage'), 'A page of links, newest first.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { projectId } = c.req.valid('param');
    const { limit, cursor, state } = c.req.valid('query');
    const decoded = decodeCursor(cursor);
    const rows = await listProjectDatasetLinks(c.get('deps').db, principal.organizationId, projectId, {
      limit,
      ...(decoded ? { cursor: decoded } : {}),
      ...(state ? { state } : {}),
    });
    return c.json(toPage(rows, limit, toDatasetLink, (row) => ({ sortKey: row.createdAt.toISOString(), id: row.id })), 200);
  });
}
