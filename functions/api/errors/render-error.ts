import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../context.js';
import { ApiError } from './api-error.js';
import { buildProblem, sendProblem } from './problem.js';

// Re-exported because the model-spec service imports the zod conversion from this module.

/**
 * Renders every error of the API. Caller errors keep their message. Anything else becomes a
 * generic 500 whose detail only gives the request id, and the real error goes to the log.
 */
export function renderError(error: unknown, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId') ?? 'unknown';
  const logger = c.get('logger');

  if (error instanceof ApiError) {
    if (error.status >= 500) logger?.error({ err: error.options.cause ?? error, code: error.code }, 'request failed');
    return sendProblem(c, buildProblem(error.code, error.detail, requestId, error.options.errors), error.options.headers);
  }

  if (error instanceof HTTPException) {
    const status = error.status;
    if (status === 413) {
      return sendProblem(c, buildProblem('payload_too_large', error.message || 'request body is too large', requestId, [{ path: 'body', message: 'too large' }]));
    }
    if (status === 415) {
      // @hono/zod-openapi raises 415 when a body arrives with a media type the route does not declare.
      const received = c.req.header('content-type') ?? 'none';
      return sendProblem(
        c,
        buildProblem('unsupported_media_type', `the request body has content-type ${received}; send JSON with content-type application/json`, requestId, [
          { path: 'header.content-type', message: `unsupported media type ${received}` },
        ]),
      );
    }
    if (status === 400) {
      const invalidJson = /json/i.test(error.message);
      const detail = invalidJson
        ? 'the request body is not valid JSON; send a JSON object with content-type application/json'
        : error.message || 'the request could not be read';
      return sendProblem(c, buildProblem('malformed_request', detail, requestId, invalidJson ? [{ path: 'body', message: 'not valid JSON' }] : undefined));
    }
    if (status === 401) return sendProblem(c, buildProblem('unauthenticated', error.message || 'authentication required', requestId));
    logger?.error({ err: error }, 'unexpected HTTP exception');
  } else {
    logger?.error({ err: error }, 'unhandled error');
  }

  return sendProblem(
    c,
    buildProblem('internal_error', `the server failed to handle the request; quote request id ${requestId} when reporting it`, requestId),
  );
}
