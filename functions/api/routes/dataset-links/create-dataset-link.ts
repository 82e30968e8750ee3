import { z } from '@hono/zod-openapi';
import { requestDatasetLink } from '../../../services/dataset-links/request-dataset-link.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { idParams, idSchema } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { datasetLinkSchema, toDatasetLink } from './dataset-link-schema.js';

const requestSchema = z.object({ datasetId: idSchema('dataset') }).strict().openapi('CreateDatasetLinkRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/projects/{projectId}/dataset-links',
  operationId: 'datasetLinks.create',
  tags: ['dataset-links'],
  summary: "Request that a dataset be used in a project (project member: owner, admin or data scientist)",
  description:
    'A project has one link per dataset. Requesting a dataset whose link was rejected or revoked reopens that link (same id) as a new request for the data officer; a link that is requested or approved gives 409.',
  security: 'apiKey',
  request: { params: idParams('projectId', 'project'), body: jsonBody(requestSchema) },
  responses: { 201: jsonResponse(datasetLinkSchema, 'The link, waiting for the data officer.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, ['owner', 'admin', 'data_scientist']);
    const { projectId } = c.req.valid('param');
    const { datasetId } = c.req.valid('json');
    const link = await requestDatasetLink(serviceContext(c, principal), principal, { projectId, datasetId });
    return c.json(toDatasetLink(link), 201);
  });
}
