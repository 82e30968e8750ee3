import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { AppDependencies, AppEnv } from './context.js';
import { ApiError } from './errors/api-error.js';
import { fieldErrorsFromZod } from './errors/field-errors.js';
import { renderError } from './errors/render-error.js';
import { authenticate } from './middleware/authenticate.js';
import { idempotency } from './middleware/idempotency.js';
import { requestContext } from './middleware/request-context.js';
import { registerDocsRoutes } from './openapi/docs-routes.js';
import { registerSecuritySchemes } from './openapi/document.js';
import { operationIdsByRoute } from './openapi/operation-ids.js';
import { registerAllRoutes } from './routes/index.js';

export type ApiApp = OpenAPIHono<AppEnv>;

/** Request parts as zod-openapi names them, and as problem paths name them. */
const TARGET_NAMES: Record<string, string> = { json: 'body', query: 'query', param: 'param', header: 'header', cookie: 'cookie', form: 'body' };

/** Methods of the registered operations whose path pattern matches `path`, for a 405's Allow header. */
function allowedMethods(operationIds: Map<string, string>, path: string): string[] {
  const methods = new Set<string>();
  for (const key of operationIds.keys()) {
    const [method, pattern] = key.split(' ') as [string, string];
    const expression = new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+')}$`);
    if (expression.test(path)) methods.add(method);
  }
  return [...methods].sort();
}

/** Creates a new router with the project's validation hook: every invalid field in one problem. */
export function createRouter(): ApiApp {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const part = TARGET_NAMES[result.target] ?? result.target;
        // @hono/zod-validator 0.9 also passes the unparsed request part as `data` on failure, though
        // the zod-openapi hook type omits it. The messages need it to tell a missing field from a
        // wrong value.
        const parsed = 'data' in result ? { value: result.data } : undefined;
        const errors = fieldErrorsFromZod(result.error, part, parsed);
        throw new ApiError('validation_failed', `the request has ${errors.length} invalid field(s); see errors`, { errors });
      }
    },
  });
}

/**
 * Builds the whole API: the same app serves the local Node process, the Lambda handler and the
 * in-process tests. Middleware order matters: the request id first (so every later log and error
 * carries it), then the body limit, then authentication, then idempotency (which needs the caller).
 */
export function createApp(deps: AppDependencies): ApiApp {
  const app = createRouter();

  // Built on first use, once every route below is registered.
  let operationIds: Map<string, string> | undefined;
  const operationIdOf = (method: string, routePath: string) => {
    operationIds ??= operationIdsByRoute(app);
    return operationIds.get(`${method} ${routePath}`);
  };

  app.use('*', requestContext(deps, operationIdOf));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: deps.maxRequestBytes,
      onError: () => {
        throw new ApiError('payload_too_large', `the request body exceeds ${deps.maxRequestBytes} bytes; send large files to the blob store through a presigned URL`, {
          errors: [{ path: 'body', message: `larger than ${deps.maxRequestBytes} bytes` }],
        });
      },
    }),
  );
  app.use('/v1/*', authenticate());
  app.use('/v1/*', idempotency());

  registerSecuritySchemes(app);
  registerAllRoutes(app);
  registerDocsRoutes(app);

  app.notFound((c) => {
    operationIds ??= operationIdsByRoute(app);
    const allowed = allowedMethods(operationIds, c.req.path);
    if (allowed.length > 0) {
      return renderError(
        new ApiError('method_not_allowed', `${c.req.path} does not accept ${c.req.method}; it accepts ${allowed.join(', ')}`, { headers: { allow: allowed.join(', ') } }),
        c,
      );
    }
    return renderError(new ApiError('not_found', `no route matches ${c.req.method} ${c.req.path}; see /docs for the API reference`), c);
  });
  app.onError((error, c) => renderError(error, c));

  return app;
}
