import { getVisibleDataset } from '../../../services/datasets/read-datasets.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { datasetSchema, toDataset } from './dataset-schema.js';

export const route = defineRoute({
  method: 'get',
  path: '/v1/datasets/{datasetId}',
  operationId: 'datasets.get',
  tags: ['datasets'],
  summary: "Read a dataset's description (own or an active partner's)",
  security: 'apiKey',
  request: { params: idParams('datasetId', 'dataset') },
  responses: { 200: jsonResponse(datasetSchema, 'The dataset.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { datasetId } = c.req.valid('param');
    return c.json(toDataset(await getVisibleDataset(c.get('deps').db, principal.organizationId, datasetId)), 200);
  });
}
