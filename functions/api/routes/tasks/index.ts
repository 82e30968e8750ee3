import type { ApiApp } from '../../app.js';
import * as claimTask from './claim-task.js';
import * as completeUpload from './complete-upload.js';
import * as createUploadUrl from './create-upload-url.js';
import * as heartbeatTask from './heartbeat-task.js';
import * as refuseTask from './refuse-task.js';
import * as retryTask from './retry-task.js';
import * as submitResult from './submit-result.js';

export function registerTaskRoutes(app: ApiApp): void {
  claimTask.register(app);
  heartbeatTask.register(app);
  createUploadUrl.register(app);
  completeUpload.register(app);
  submitResult.register(app);
  refuseTask.register(app);
  retryTask.register(app);
}
