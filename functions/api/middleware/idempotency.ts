import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { MiddlewareHandler } from 'hono';
import { idempotencyRecords } from '../../../db/schema/index.js';
import type { AppEnv, Principal } from '../context.js';
import { ApiError } from '../errors/api-error.js';

const KEY_PATTERN = /^[A-Za-z0-9_\-:.]{1,255}$/;

function scopeOf(principal: Principal): { scope: string; principalId: string } {
  switch (principal.kind) {
    case 'user':
      return { scope: principal.organizationId, principalId: principal.apiKeyId };
    case 'gateway':
      return { scope: principal.organizationId, principalId: principal.gatewayId };
    case 'operator':
      return { scope: 'operator', principalId: 'operator' };
  }
}

/**
 * Honours `Idempotency-Key` on POST: the first successful response is stored, a retry with the
 * same key and the same request gets it back unchanged, and the same key with another request is
 * rejected with 422. Errors are not stored, so a failed request can be retried with its key.
 */
export function idempotency(): MiddlewareHandler<AppEnv> {
  return async function idempotencyMiddleware(c, next) {
    const key = c.req.header('idempotency-key');
    const principal = c.get('principal');
    if (c.req.method !== 'POST' || key === undefined || !principal) return next();

    if (!KEY_PATTERN.test(key)) {
      throw new ApiError('validation_failed', 'Idempotency-Key must be 1 to 255 letters, digits or "_-:."', {
        errors: [{ path: 'header.idempotency-key', message: 'invalid idempotency key' }],
      });
    }

    const { scope, principalId } = scopeOf(principal);
    const body = await c.req.text();
    const requestHash = createHash('sha256').update(`${c.req.method} ${c.req.path}\n${body}`).digest('hex');
    const { db } = c.get('deps');
    const match = and(eq(idempotencyRecords.scope, scope), eq(idempotencyRecords.principalId, principalId), eq(idempotencyRecords.key, key));

    const [stored] = await db.select().from(idempotencyRecords).where(match).limit(1);
    if (stored) {
      if (stored.requestHash !== requestHash) {
        throw new ApiError('idempotency_key_reused', `Idempotency-Key ${key} was already used for a different request; use a new key`);
      }
      return c.json(stored.responseBody as object, stored.statusCode as 200, { 'idempotent-replayed': 'true' });
    }

    await next();

    if (c.res.status >= 200 && c.res.status < 300 && c.res.headers.get('content-type')?.includes('application/json')) {
      const responseBody: unknown = await c.res.clone().json();
      // NOTE: two concurrent first requests with one key both run; the second insert is ignored,
      // so later retries replay the first stored response.
      await db
        .insert(idempotencyRecords)
        .values({ scope, principalId, key, requestHash, statusCode: c.res.status, responseBody })
        .onConflictDoNothing();
    }
  };
}
