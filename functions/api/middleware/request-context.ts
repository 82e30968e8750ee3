import type { MiddlewareHandler } from 'hono';
import { newId } from '../../../db/ids.js';
import type { AppDependencies, AppEnv } from '../context.js';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,128}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` when well formed, else a new one), a child
 * logger carrying it, and one access-log line with the operation id, status and duration in
 * milliseconds.
 */
export function requestContext(deps: AppDependencies, operationIdOf: (method: string, routePath: string) => string | undefined): MiddlewareHandler<AppEnv> {
  return async function requestContextMiddleware(c, next) {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : newId('request');
    const logger = deps.logger.child({ requestId });
    c.set('requestId', requestId);
    c.set('logger', logger);
    c.set('deps', deps);

    const startedAt = performance.now();
    await next();
    c.header('x-request-id', requestId);
    const operationId = c.get('operationId') ?? operationIdOf(c.req.method, c.req.routePath);

    const principal = c.get('principal');
    logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round(performance.now() - startedAt),
        operationId,
        organizationId: principal && principal.kind !== 'operator' ? principal.organizationId : undefined,
      },
      'request completed',
    );
  };
}
