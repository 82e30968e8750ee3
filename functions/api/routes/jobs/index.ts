import type { ApiApp } from '../../app.js';
import * as cancelJob from './cancel-job.js';
import * as createJob from './create-job.js';
import * as getJobResults from './get-job-results.js';
import * as getJob from './get-job.js';
import * as listJobs from './list-jobs.js';
import * as listRounds from './list-rounds.js';

export function registerJobRoutes(app: ApiApp): void {
  createJob.register(app);
  listJobs.register(app);
  getJob.register(app);
  cancelJob.register(app);
  listRounds.register(app);
  getJobResults.register(app);
}
