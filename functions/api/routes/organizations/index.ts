import type { ApiApp } from '../../app.js';
import * as createOrganization from './create-organization.js';
import * as getOrganization from './get-organization.js';
import * as updateOrganization from './update-organization.js';

export function registerOrganizationRoutes(app: ApiApp): void {
  createOrganization.register(app);
  getOrganization.register(app);
  updateOrganization.register(app);
}
