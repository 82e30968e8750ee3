import type { ApiApp } from '../app.js';
import { registerApiKeyRoutes } from './api-keys/index.js';
import { registerAuditEventRoutes } from './audit-events/index.js';
import { registerOrganizationRoutes } from './organizations/index.js';

/** Registers every operation, one domain folder at a time. */
export function registerAllRoutes(app: ApiApp): void {
  registerOrganizationRoutes(app);
  registerApiKeyRoutes(app);
  registerAuditEventRoutes(app);
}
