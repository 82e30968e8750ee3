import { setTimeout as sleep } from 'node:timers/promises';
import { z } from '@hono/zod-openapi';
import { claimTask, type ClaimedTask } from '../../../services/jobs/claim-task.js';
import { schedulerDependencies, type SchedulerDependencies } from '../../../services/jobs/scheduler-dependencies.js';
import type { ApiApp } from '../../app.js';
import { requireGateway } from '../../authorization.js';
import { defineRoute, jsonResponse } from '../../openapi/define-route.js';
import { claimedTaskSchema, toClaimedTask } from './task-schema.js';

/**
 * Maximum long-poll wait, in seconds. API Gateway HTTP APIs end a request after 30 s, so the wait stays
 * well under it, leaving room for the claim itself and a cold start.
 */
export const MAX_CLAIM_WAIT_SECONDS = 20;

/** Pause between two claim attempts of a long-poll, in milliseconds. */
const CLAIM_POLL_INTERVAL_MS = 1000;

/** Seconds the gateway should wait before claiming again after a 204. */
export const CLAIM_RETRY_AFTER_SECONDS = 10;

const querySchema = z
  .object({
    waitSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .max(MAX_CLAIM_WAIT_SECONDS)
      .default(0)
      .openapi({ description: `Seconds to wait for a task when none is ready, 0 to ${MAX_CLAIM_WAIT_SECONDS}; 0 returns at once.` }),
  })
  .strict();

export const route = defineRoute({
  method: 'post',
  path: '/v1/tasks/claim',
  operationId: 'tasks.claim',
  tags: ['tasks'],
  summary: "Lease the calling gateway's next task, waiting up to waitSeconds for one",
  security: 'gatewayCredential',
  request: { query: querySchema },
  responses: {
    200: jsonResponse(claimedTaskSchema, 'The leased task with everything needed to run it.'),
    204: { description: 'No task is ready; claim again after Retry-After seconds.' },
  },
});

async function claimWithin(deps: SchedulerDependencies, gateway: { organizationId: string; gatewayId: string }, waitSeconds: number, requestId: string): Promise<ClaimedTask | null> {
  // Wall-clock time bounds the wait, not the injected clock, which tests may hold still.
  const giveUpAt = performance.now() + waitSeconds * 1000;
  for (;;) {
    const claimed = await claimTask(deps, gateway, { requestId });
    if (claimed || performance.now() + CLAIM_POLL_INTERVAL_MS > giveUpAt) return claimed;
    await sleep(CLAIM_POLL_INTERVAL_MS);
  }
}

export function register(app: ApiApp): void {
  app.openapi(route, async (c) => {
    const principal = requireGateway(c);
    const deps = schedulerDependencies(c.get('deps'));
    const { waitSeconds } = c.req.valid('query');
    const claimed = await claimWithin(deps, principal, waitSeconds, c.get('requestId'));
    if (!claimed) {
      return c.body(null, 204, { 'retry-after': String(CLAIM_RETRY_AFTER_SECONDS) });
    }
    return c.json(toClaimedTask(claimed), 200);
  });
}
