import type { Database } from '../../db/client.js';
import type { Principal } from '../api/context.js';
import type { AuditActor } from './audit/record-audit-event.js';

/** What every service call needs besides its input: the database and who acts, for the audit trail. */
export interface ServiceContext {
  db: Database;
  actor: AuditActor;
  requestId?: string;
  now: Date;
}

/** The audit actor of a principal. */
export function actorOf(principal: Principal): AuditActor {
  switch (principal.kind) {
    case 'user':
      return { type: 'api_key', id: principal.apiKeyId };
    case 'gateway':
      return { type: 'gateway', id: principal.gatewayId };
    case 'operator':
      return { type: 'operator', id: 'operator' };
  }
}
