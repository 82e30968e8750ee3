import { getVisibleDatasetLink } from '../../../services/dataset-links/read-dataset-links.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { datasetLinkSchema, toDatasetLink } from './dataset-link-schema.js';

export const route = defineRoute({
  method: 'get',
  path: '/v1/dataset-links/{datasetLinkId}',
  operationId: 'datasetLinks.get',
  tags: ['dataset-links'],
  summary: 'Read a dataset link (any project member)',
  security: 'apiKey',
  request: { params: idParams('datasetLinkId', 'datasetLink') },
  responses: { 200: jsonResponse(datasetLinkSchema, 'The link.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { datasetLinkId } = c.req.valid('param');
    return c.json(toDatasetLink(await getVisibleDatasetLink(c.get('deps').db, principal.organizationId, datasetLinkId)), 200);
  });
}
