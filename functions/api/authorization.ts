import type { Context } from 'hono';
import type { Role } from '../../db/schema/index.js';
import type { AppEnv, Principal } from './context.js';
import { ApiError } from './errors/api-error.js';

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;
export type GatewayPrincipal = Extract<Principal, { kind: 'gateway' }>;

/** Roles allowed to read anything their organization can see. */
export const ANY_ROLE: readonly Role[] = ['owner', 'admin', 'data_scientist', 'data_officer', 'viewer'];

function missingCredential(expected: string): ApiError {
  return new ApiError('unauthenticated', `this operation requires ${expected} in "Authorization: Bearer <secret>"`, {
    headers: { 'www-authenticate': 'Bearer' },
  });
}

/**
 * Requires a user API key. Role checks that depend on the resource (for example "data officer of
 * the dataset's owner") happen in the service, after the resource is known to be visible.
 */
export function requireUser(c: Context<AppEnv>, roles: readonly Role[] = ANY_ROLE): UserPrincipal {
  const principal = c.get('principal');
  if (!principal) throw missingCredential('an API key');
  if (principal.kind !== 'user') {
    throw new ApiError('forbidden', `a ${principal.kind} credential cannot call this operation; use an organization API key`);
  }
  if (!roles.includes(principal.role)) {
    throw new ApiError('forbidden', `role ${principal.role} may not perform this operation; it needs one of: ${roles.join(', ')}`);
  }
  return principal;
}

/** Requires an enrolled gateway's credential. */
export function requireGateway(c: Context<AppEnv>): GatewayPrincipal {
  const principal = c.get('principal');
  if (!principal) throw missingCredential('a gateway credential');
  if (principal.kind !== 'gateway') {
    throw new ApiError('forbidden', `a ${principal.kind} credential cannot call gateway operations; use the credential received at enrolment`);
  }
  return principal;
}

/** Requires the platform operator's token. */
export function requireOperator(c: Context<AppEnv>): void {
  const principal = c.get('principal');
  if (!principal) throw missingCredential('the operator token');
  if (principal.kind !== 'operator') throw new ApiError('forbidden', 'only the platform operator may perform this operation');
}
