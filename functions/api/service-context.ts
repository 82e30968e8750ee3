import type { Context } from 'hono';
import { actorOf, type ServiceContext } from '../services/service-context.js';
import type { AppEnv, Principal } from './context.js';

/** Builds the service context of a request for an already-authorised principal. */
export function serviceContext(c: Context<AppEnv>, principal: Principal): ServiceContext {
  const deps = c.get('deps');
  return { db: deps.db, actor: actorOf(principal), requestId: c.get('requestId'), now: deps.now?.() ?? new Date() };
}
