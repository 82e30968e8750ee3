import { bodyLimit } from 'hono/body-limit';
import { registerDataset } from '../../../services/datasets/register-dataset.js';
import type { ApiApp } from '../../app.js';
import { requireGateway } from '../../authorization.js';
import { ApiError } from '../../errors/api-error.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { serviceContext } from '../../service-context.js';
import { DATASET_LIMITS, datasetDescriptionSchema, datasetSchema, toDataset } from './dataset-schema.js';

export const route = defineRoute({
  method: 'post',
  path: '/v1/datasets',
  operationId: 'datasets.register',
  tags: ['datasets'],
  summary: "Register a dataset's description from the gateway that holds it (schema and counts, never rows)",
  security: 'gatewayCredential',
  request: { body: jsonBody(datasetDescriptionSchema) },
  responses: { 201: jsonResponse(datasetSchema, 'The registered dataset.') },
});

/** Rejects dataset bodies far larger than any description before they are parsed. */
export const datasetBodyLimit = bodyLimit({
  maxSize: DATASET_LIMITS.bodyBytes,
  onError: () => {
    throw new ApiError(
      'payload_too_large',
      `a dataset description is limited to ${DATASET_LIMITS.bodyBytes} bytes; send the schema and counts only, never rows`,
    );
  },
});

export function register(app: ApiApp): void {
  app.on(['POST', 'PUT'], ['/v1/datasets', '/v1/datasets/*'], datasetBodyLimit);
  app.openapi(route, async (c) => {
    const principal = requireGateway(c);
    const input = c.req.valid('json');
    const dataset = await registerDataset(serviceContext(c, principal), principal, input);
    return c.json(toDataset(dataset), 201);
  });
}
