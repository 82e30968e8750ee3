import { z } from '@hono/zod-openapi';
import { loadOneModelApprovalStatus } from '../../../services/models/approval-status.js';
import { createModel } from '../../../services/models/create-model.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { idParams, idSchema, nameSchema } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { MODEL_EDITOR_ROLES, modelSchema, modelSpecApiSchema, toModel } from './model-schema.js';

/** Most links one model may name; a project links a handful of hospital datasets. */
const MAX_DATASET_LINKS = 100;

const requestSchema = z
  .object({
    name: nameSchema.openapi({ example: 'Relapse risk, Cox' }),
    spec: modelSpecApiSchema,
    datasetLinkIds: z
      .array(idSchema('datasetLink'))
      .min(1)
      .max(MAX_DATASET_LINKS)
      .optional()
      .openapi({ description: "Links whose datasets the model runs on; every requested or approved link of the project when omitted." }),
  })
  .strict()
  .openapi('CreateModelRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/projects/{projectId}/models',
  operationId: 'models.create',
  tags: ['models'],
  summary: "Define a model, checked against the schemas of the project's linked datasets (owner, admin or data scientist of a member)",
  security: 'apiKey',
  request: { params: idParams('projectId', 'project'), body: jsonBody(requestSchema) },
  responses: { 201: jsonResponse(modelSchema, 'The model, waiting for each dataset owner to approve its spec SHA-256.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, MODEL_EDITOR_ROLES);
    const { projectId } = c.req.valid('param');
    const body = c.req.valid('json');
    const model = await createModel(serviceContext(c, principal), principal, { projectId, ...body });
    const status = await loadOneModelApprovalStatus(c.get('deps').db, model);
    return c.json(toModel(model, status), 201);
  });
}
