import { z } from '@hono/zod-openapi';
import { InvalidBlobRequestError, MultipartUploadNotFoundError } from '../../../blob-store/errors.js';
import { completeUpload } from '../../../services/jobs/create-upload-url.js';
import { schedulerDependencies } from '../../../services/jobs/scheduler-dependencies.js';
import type { ApiApp } from '../../app.js';
import { requireGateway } from '../../authorization.js';
import { ApiError } from '../../errors/api-error.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { leaseTokenSchema } from './task-schema.js';

const requestSchema = z
  .object({
    leaseToken: leaseTokenSchema,
    uploadId: z.string().min(1).max(1024),
    parts: z
      .array(z.object({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1).max(256) }).strict())
      .min(1)
      .max(10_000),
  })
  .strict()
  .openapi('CompleteUploadRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/tasks/{taskId}/upload-complete',
  operationId: 'tasks.completeUpload',
  tags: ['tasks'],
  summary: "Assemble a multipart upload of the task's update from its parts' ETags",
  security: 'gatewayCredential',
  request: { params: idParams('taskId', 'task'), body: jsonBody(requestSchema) },
  responses: { 200: jsonResponse(z.object({ key: z.string() }).openapi('CompletedUpload'), 'The key of the assembled update.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireGateway(c);
    const deps = schedulerDependencies(c.get('deps'));
    const { taskId } = c.req.valid('param');
    const input = c.req.valid('json');
    try {
      return c.json(await completeUpload(deps, principal, { taskId, ...input }), 200);
    } catch (error) {
      if (error instanceof MultipartUploadNotFoundError) throw new ApiError('not_found', error.message, { cause: error });
      if (error instanceof InvalidBlobRequestError) throw new ApiError('validation_failed', error.message, { cause: error, errors: [{ path: 'body.parts', message: error.message }] });
      throw error;
    }
  });
}
