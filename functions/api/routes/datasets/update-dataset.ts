import { updateDataset } from '../../../services/datasets/register-dataset.js';
import type { ApiApp } from '../../app.js';
import { requireGateway } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { datasetDescriptionSchema, datasetSchema, toDataset } from './dataset-schema.js';

export const route = defineRoute({
  method: 'put',
  path: '/v1/datasets/{datasetId}',
  operationId: 'datasets.update',
  tags: ['datasets'],
  summary: "Replace the description of one of the calling gateway's datasets",
  security: 'gatewayCredential',
  request: { params: idParams('datasetId', 'dataset'), body: jsonBody(datasetDescriptionSchema) },
  responses: { 200: jsonResponse(datasetSchema, 'The updated dataset.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireGateway(c);
    const { datasetId } = c.req.valid('param');
    const dataset = await updateDataset(serviceContext(c, principal), principal, datasetId, c.req.valid('json'));
    return c.json(toDataset(dataset), 200);
  });
}
