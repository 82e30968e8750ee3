import { listVisibleDatasets } from '../../../services/datasets/read-datasets.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../pagination.js';
import { idSchema } from '../../schemas/common.js';
import { datasetSchema, toDataset } from './dataset-schema.js';

const querySchema = pageQuerySchema
  .extend({
    organizationId: idSchema('organization').optional().openapi({ description: 'Only datasets of this owner.' }),
    gatewayId: idSchema('gateway').optional().openapi({ description: 'Only datasets held by this gateway.' }),
  })
  .strict();

export const route = defineRoute({
  method: 'get',
  path: '/v1/datasets',
  operationId: 'datasets.list',
  tags: ['datasets'],
  summary: "List dataset descriptions the organization may see: its own and its active partners'",
  security: 'apiKey',
  request: { query: querySchema },
  responses: { 200: jsonResponse(pageSchema(datasetSchema, 'DatasetPage'), 'A page of datasets, newest first.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { limit, cursor, organizationId, gatewayId } = c.req.valid('query');
    const decoded = decodeCursor(cursor);
    const rows = await listVisibleDatasets(c.get('deps').db, principal.organizationId, {
      limit,
      ...(decoded ? { cursor: decoded } : {}),
      ...(organizationId ? { ownerOrganizationId: organizationId } : {}),
      ...(gatewayId ? { gatewayId } : {}),
    });
    return c.json(toPage(rows, limit, toDataset, (row) => ({ sortKey: row.createdAt.toISOString(), id: row.id })), 200);
  });
}
