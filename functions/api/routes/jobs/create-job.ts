import { z } from '@hono/zod-openapi';
import { createJob } from '../../../services/jobs/create-job.js';
import { JOB_SETTINGS_LIMITS } from '../../../services/jobs/job-settings.js';
import { schedulerDependencies } from '../../../services/jobs/scheduler-dependencies.js';
import type { ApiApp } from '../../app.js';
import { requireUser } from '../../authorization.js';
import { defineRoute, jsonBody, jsonResponse } from '../../openapi/define-route.js';
import { idParams, idSchema } from '../../schemas/common.js';
import { serviceContext } from '../../service-context.js';
import { computationNameSchema, JOB_OPTIONS_DESCRIPTION, jobKindSchema, jobSchema, toJob } from './job-schema.js';

const limits = JOB_SETTINGS_LIMITS;

const settingsInputSchema = z
  .object({
    maxRounds: z.number().int().min(limits.maxRounds.min).max(limits.maxRounds.max).optional().openapi({ description: `Rounds to run (the maximum for iterative methods); ${limits.maxRounds.default} by default.` }),
    quorum: z.number().int().min(1).optional().openapi({ description: 'Valid results a round needs; every site by default.' }),
    roundDeadlineSeconds: z
      .number()
      .int()
      .min(limits.roundDeadlineSeconds.min)
      .max(limits.roundDeadlineSeconds.max)
      .optional()
      .openapi({ description: `Seconds a round waits for results; ${limits.roundDeadlineSeconds.default} by default.` }),
    leaseSeconds: z
      .number()
      .int()
      .min(limits.leaseSeconds.min)
      .max(limits.leaseSeconds.max)
      .optional()
      .openapi({ description: `Seconds a claimed task is held without a heartbeat; ${limits.leaseSeconds.default} by default.` }),
    maxAttempts: z.number().int().min(limits.maxAttempts.min).max(limits.maxAttempts.max).optional().openapi({ description: `Expired leases a task may have before it fails; ${limits.maxAttempts.default} by default.` }),
    options: z.record(z.string(), z.unknown()).optional().openapi({ description: JOB_OPTIONS_DESCRIPTION }),
  })
  .strict();

const requestSchema = z
  .object({
    kind: jobKindSchema,
    computation: computationNameSchema,
    modelId: idSchema('model'),
    datasetLinkIds: z
      .array(idSchema('datasetLink'))
      .min(1)
      .max(500)
      .optional()
      .openapi({ description: "Approved dataset links to run on, each to one of the model's datasets. Every approved link to the model's datasets when omitted." }),
    settings: settingsInputSchema.default({}),
  })
  .strict()
  .openapi('CreateJobRequest');

export const route = defineRoute({
  method: 'post',
  path: '/v1/projects/{projectId}/jobs',
  operationId: 'jobs.create',
  tags: ['jobs'],
  summary: 'Launch a job on approved datasets (data scientist, admin or owner of a project member)',
  security: 'apiKey',
  request: { params: idParams('projectId', 'project'), body: jsonBody(requestSchema) },
  responses: { 201: jsonResponse(jobSchema, 'The job, queued with its first round open.') },
});

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireUser(c, ['owner', 'admin', 'data_scientist']);
    const deps = schedulerDependencies(c.get('deps'));
    const { projectId } = c.req.valid('param');
    const input = c.req.valid('json');
    const job = await createJob(deps, serviceContext(c, principal), {
      organizationId: principal.organizationId,
      projectId,
      kind: input.kind,
      computation: input.computation,
      modelId: input.modelId,
      ...(input.datasetLinkIds ? { datasetLinkIds: input.datasetLinkIds } : {}),
      settings: input.settings,
    });
    return c.json(toJob(job), 201);
  });
}
