import { z } from '@hono/zod-openapi';
import { createUploadUrl } from '../../../services/jobs/create-upload-url.js';
import { schedulerDependencies } from '../../../services/jobs/scheduler-dependencies.js';
import type { ApiApp } from '../../app.js';
import { requireGateway } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { leaseTokenSchema, presignedRequestSchema } from './task-schema.js';

/** Largest update accepted, in bytes (2 GiB − 1, the largest size the results table stores). */
export const MAX_UPDATE_BYTES = 2 ** 31 - 1;

const requestSchema = z
  .object({
    leaseToken: leaseTokenSchema,
    sizeBytes: z.number().int().min(1).max(MAX_UPDATE_BYTES).openapi({ description: 'Exact size of the update file in bytes.' }),
  })
  .strict()
  .openapi('CreateUploadUrlRequest');

const responseSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('single'), key: z.string(), request: presignedRequestSchema }),
    z.object({
      kind: z.literal('multipart'),
      key: z.string(),
      uploadId: z.string(),
      partSizeBytes: z.number().int(),
      parts: z.array(z.object({ partNumber: z.number().int(), url: z.string(), start: z.number().int(), end: z.number().int() })),
      expiresAt: z.string(),
    }),
  ])
  .openapi('UploadTarget', { description: 'Where to PUT the update: one URL, or one URL per part (then call tasks.completeUpload).' });

export const route = defineRoute({
  method: 'post',
  path: '/v1/tasks/{taskId}/upload-url',
  operationId: 'tasks.createUploadUrl',
  tags: ['tasks'],
  summary: "Get a presigned upload for the task's update (multipart above 8 MiB)",
  security: 'gatewayCredential',
  request: { params: idParams('taskId', 'task'), body: jsonBody(requestSchema) },
  responses: { 200: jsonResponse(responseSchema, 'The upload target; its key goes into tasks.submitResult.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireGateway(c);
    const deps = schedulerDependencies(c.get('deps'));
    const { taskId } = c.req.valid('param');
    const input = c.req.valid('json');
    const target = await createUploadUrl(deps, principal, { taskId, ...input });
    return c.json(target, 200);
  });
}
