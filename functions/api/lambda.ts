import { handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import type { Runtime } from '../runtime/create-runtime.js';
import { createRuntimeFromEnv } from '../runtime/runtime-from-env.js';

/**
 * Lambda entry point of the API behind an API Gateway v2 HTTP API. The runtime (database client,
 * blob store, app) is created on the first invocation and reused while the container lives.
 * Migrations never run here: the deploy-time migration function applies them.
 */
let runtime: Promise<Runtime> | undefined;

export async function handler(event: LambdaEvent, context: LambdaContext) {
  runtime ??= createRuntimeFromEnv({ migrate: false }).catch((error: unknown) => {
    // Forget a failed start so the next invocation tries again instead of failing forever.
    runtime = undefined;
    throw error;
  });
  const { app } = await runtime;
  return handle(app)(event, context);
}
