import { z } from '@hono/zod-openapi';
import { getModelVersion } from '../../../services/models/read-model-versions.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { idSchema } from '../../schemas/common.js';
import { ARTIFACT_URL_LIFETIME_SECONDS, modelVersionSchema, toModelVersion } from './model-version-schema.js';

const paramsSchema = z.object({
  modelId: idSchema('model').openapi({ param: { name: 'modelId', in: 'path' } }),
  modelVersionId: idSchema('modelVersion').openapi({ param: { name: 'modelVersionId', in: 'path' } }),
});

export const route = defineRoute({
  method: 'get',
  path: '/v1/models/{modelId}/versions/{modelVersionId}',
  operationId: 'models.getVersion',
  tags: ['models'],
  summary: 'Read a model version with presigned download URLs for its artifacts, its lineage and metrics (any project member)',
  security: 'apiKey',
  request: { params: paramsSchema },
  responses: { 200: jsonResponse(modelVersionSchema, 'The version.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c);
    const { modelId, modelVersionId } = c.req.valid('param');
    const { db, blobStore } = c.get('deps');

    // NOTE: every project member may download the weights; a per-site release policy for final models is not enforced yet.
    const version = await getModelVersion(db, principal.organizationId, modelId, modelVersionId);
    const downloads = await Promise.all(
      version.artifacts.map((artifact) => blobStore.presignGet(artifact.key, { expiresInSeconds: ARTIFACT_URL_LIFETIME_SECONDS })),
    );
    return c.json(toModelVersion(version, downloads), 200);
  });
}
