import type { ApiApp } from '../../app.js';
import * as listAuditEvents from './list-audit-events.js';
import * as verifyAuditChain from './verify-audit-chain.js';

export function registerAuditEventRoutes(app: ApiApp): void {
  listAuditEvents.register(app);
  verifyAuditChain.register(app);
}
