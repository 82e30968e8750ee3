import { z } from '@hono/zod-openapi';
import { announceRoundChange } from '../../../services/jobs/announce-round-change.js';
import { schedulerDependencies } from '../../../services/jobs/scheduler-dependencies.js';
import { submitResult } from '../../../services/jobs/submit-result.js';
import type { ApiApp } from '../../app.js';
import { requireGateway } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { idParams } from '../../schemas/common.js';
import { metricsSchema } from '../jobs/job-schema.js';
import { leaseTokenSchema, resultSchema, toResult } from './task-schema.js';

const requestSchema = z
  .object({
    leaseToken: leaseTokenSchema,
    artifactKey: z.string().min(1).max(1024).openapi({ description: 'The key returned by tasks.createUploadUrl.' }),
    artifactSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
    sampleCount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    metrics: metricsSchema,
    signature: z
      .string()
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64')
      .max(200)
      .openapi({ description: 'Ed25519 signature (base64) over the canonical JSON of {taskId, leaseToken, artifactSha256, sampleCount, metrics}.' }),
  })
  .strict()
  .openapi('SubmitResultRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/tasks/{taskId}/result',
  operationId: 'tasks.submitResult',
  tags: ['tasks'],
  summary: "Submit a task's signed result; the same result again returns the stored one",
  security: 'gatewayCredential',
  request: { params: idParams('taskId', 'task'), body: jsonBody(requestSchema) },
  responses: {
    201: jsonResponse(resultSchema, 'The result was stored.'),
    200: jsonResponse(resultSchema, 'The same result had already been stored; nothing changed.'),
  },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireGateway(c);
    const deps = schedulerDependencies(c.get('deps'));
    const { taskId } = c.req.valid('param');
    const input = c.req.valid('json');
    const { result, jobId, created } = await submitResult(deps, principal, { taskId, ...input }, { requestId: c.get('requestId') });
    if (created) {
      await announceRoundChange(deps, { jobId, roundId: result.roundId, organizationId: result.organizationId });
    }
    return created ? c.json(toResult(result), 201) : c.json(toResult(result), 200);
  });
}
