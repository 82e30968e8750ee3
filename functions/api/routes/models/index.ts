import type { ApiApp } from '../../app.js';
import * as approveModel from './approve-model.js';
import * as createModel from './create-model.js';
import * as getModel from './get-model.js';
import * as getModelVersion from './get-model-version.js';
import * as listModelVersions from './list-model-versions.js';
import * as listModels from './list-models.js';
import * as revokeModelApproval from './revoke-model-approval.js';
import * as updateModel from './update-model.js';

export function registerModelRoutes(app: ApiApp): void {
  createModel.register(app);
  listModels.register(app);
  getModel.register(app);
  updateModel.register(app);
  approveModel.register(app);
  revokeModelApproval.register(app);
  listModelVersions.register(app);
  getModelVersion.register(app);
}
