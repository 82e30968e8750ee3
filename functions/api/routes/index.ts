import type { ApiApp } from '../app.js';
import { registerApiKeyRoutes } from './api-keys/index.js';
import { registerAuditEventRoutes } from './audit-events/index.js';
import { registerDatasetLinkRoutes } from './dataset-links/index.js';
import { registerDatasetRoutes } from './datasets/index.js';
import { registerGatewayRoutes } from './gateways/index.js';
import { registerJobRoutes } from './jobs/index.js';
import { registerModelRoutes } from './models/index.js';
import { registerOrganizationRoutes } from './organizations/index.js';
import { registerPartnershipRoutes } from './partnerships/index.js';
import { registerProjectRoutes } from './projects/index.js';
import { registerTaskRoutes } from './tasks/index.js';

/** Registers every operation, one domain folder at a time. */
export function registerAllRoutes(app: ApiApp): void {
  registerOrganizationRoutes(app);
  registerApiKeyRoutes(app);
  registerAuditEventRoutes(app);
  registerPartnershipRoutes(app);
  registerProjectRoutes(app);
  registerGatewayRoutes(app);
  registerDatasetRoutes(app);
  registerDatasetLinkRoutes(app);
  registerModelRoutes(app);
  registerJobRoutes(app);
  registerTaskRoutes(app);
}
