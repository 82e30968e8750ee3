import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { requireGateway, requireOperator, requireUser } from '../authorization.js';
import type { AppEnv } from '../context.js';
import { problemSchema } from '../errors/problem.js';

/** Security schemes a route may require; the shared security suite reads them from openapi.yaml. */
export type SecurityScheme = 'apiKey' | 'gatewayCredential' | 'operatorToken' | 'none';

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema } },
});

/** The error responses every operation can produce, by status. */
const COMMON_ERROR_RESPONSES = {
  400: problemResponse('The request is malformed or a field is invalid; `errors` names every invalid field.'),
  401: problemResponse('No credential, or an unknown or revoked one.'),
  403: problemResponse('The credential is valid but may not perform this operation.'),
  404: problemResponse('The resource does not exist or belongs to another organization.'),
  409: problemResponse('The resource is not in a state that allows this operation.'),
  413: problemResponse('The request body is larger than the limit.'),
  415: problemResponse('The request body has a content type other than application/json.'),
  422: problemResponse('The request is well formed but cannot be processed (for example an idempotency key reused with another body).'),
  500: problemResponse('The server failed; the body carries only the request id.'),
} as const;

/**
 * Checks the kind of credential a route's scheme requires (401 without one, 403 for another kind).
 * It runs as route middleware, before request validation, so a caller without the right kind of
 * credential learns nothing about the request shape. Roles are checked later, in the handler.
 */
function requireScheme(security: SecurityScheme): MiddlewareHandler<AppEnv> {
  return async function requireSchemeMiddleware(c, next) {
    if (security === 'apiKey') requireUser(c);
    if (security === 'gatewayCredential') requireGateway(c);
    if (security === 'operatorToken') requireOperator(c);
    await next();
  };
}

/**
 * Builds a route definition with the project's conventions: a stable `operationId`, the security
 * scheme, and the shared problem responses, so each operation file declares only what is its own.
 */
export function defineRoute<const R extends Omit<RouteConfig, 'security'> & { operationId: string; security: SecurityScheme }>(
  config: R,
) {
  const { security, responses, ...rest } = config;
  return createRoute({
    ...rest,
    security: security === 'none' ? [] : [{ [security]: [] }],
    middleware: [requireScheme(security)],
    responses: { ...COMMON_ERROR_RESPONSES, ...responses },
  } as Omit<R, 'security'> & { security: Array<Record<string, string[]>>; responses: R['responses'] & typeof COMMON_ERROR_RESPONSES });
}

/** A JSON request body that must be present. */
export function jsonBody<T>(schema: T, description?: string) {
  return {
    required: true,
    ...(description ? { description } : {}),
    content: { 'application/json': { schema } },
  } as const;
}

/** A JSON response. */
export function jsonResponse<T>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } } as const;
}
