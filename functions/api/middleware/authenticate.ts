import type { MiddlewareHandler } from 'hono';
import { resolvePrincipal } from '../../services/auth/resolve-principal.js';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors/api-error.js';

const BEARER_PATTERN = /^Bearer ([A-Za-z0-9_\-.~+/]+=*)$/;

/**
 * Resolves the caller from `Authorization: Bearer …` when the header is present. Routes decide
 * what they require (see authorization.ts); a present but unknown credential is always a 401.
 */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async function authenticateMiddleware(c, next) {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const match = BEARER_PATTERN.exec(header.trim());
      if (!match?.[1]) {
        throw new ApiError('unauthenticated', 'the Authorization header must be "Bearer <secret>"', {
          headers: { 'www-authenticate': 'Bearer' },
        });
      }

      const deps = c.get('deps');
      const principal = await resolvePrincipal(deps.db, match[1], {
        ...(deps.operatorTokenHash ? { operatorTokenHash: deps.operatorTokenHash } : {}),
        now: deps.now?.() ?? new Date(),
      });
      if (!principal) {
        throw new ApiError('unauthenticated', 'the credential is unknown or revoked; create a new API key or re-enrol the gateway', {
          headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        });
      }
      c.set('principal', principal);
    }
    await next();
  };
}
