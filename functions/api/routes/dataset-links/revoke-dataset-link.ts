import { decideDatasetLink } from '../../../services/dataset-links/decide-dataset-link.js';
import type { ApiApp } from '../../app.js';
import { ANY_ROLE, requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { datasetLinkSchema, toDatasetLink } from './dataset-link-schema.js';

export const route = defineRoute({
  method: 'post',
  path: '/v1/dataset-links/{datasetLinkId}/revoke',
  operationId: 'datasetLinks.revoke',
  tags: ['dataset-links'],
  summary: 'Revoke an approved link (data officer or admin of the dataset owner); running jobs stop receiving its tasks',
  security: 'apiKey',
  request: { params: idParams('datasetLinkId', 'datasetLink') },
  responses: { 200: jsonResponse(datasetLinkSchema, 'The revoked link.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    // Any role may ask: the service answers 404 to non-members and 403 to members who may not decide.
    const principal = requireUser(c, ANY_ROLE);
    const { datasetLinkId } = c.req.valid('param');
    const link = await decideDatasetLink(serviceContext(c, principal), principal, datasetLinkId, 'revoke');
    return c.json(toDatasetLink(link), 200);
  });
}
