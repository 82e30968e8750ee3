import type { ApiApp } from '../../app.js';
import * as approveDatasetLink from './approve-dataset-link.js';
import * as createDatasetLink from './create-dataset-link.js';
import * as getDatasetLink from './get-dataset-link.js';
import * as listDatasetLinks from './list-dataset-links.js';
import * as rejectDatasetLink from './reject-dataset-link.js';
import * as revokeDatasetLink from './revoke-dataset-link.js';

export function registerDatasetLinkRoutes(app: ApiApp): void {
  createDatasetLink.register(app);
  listDatasetLinks.register(app);
  getDatasetLink.register(app);
  approveDatasetLink.register(app);
  rejectDatasetLink.register(app);
  revokeDatasetLink.register(app);
}
