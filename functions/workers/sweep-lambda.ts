import { sweep, type SweepReport } from '../services/jobs/sweep.js';
import { workerDependenciesLoader } from './worker-dependencies.js';

const loadDependencies = workerDependenciesLoader();

/**
 * Lambda entry point of the scheduled sweep (every minute). With AGGREGATION_QUEUE_URL set, ready
 * and stuck rounds go to the aggregation worker through the queue; the sweep itself only touches
 * the database. A failed sweep is not retried: the next scheduled one does the same work.
 */
export async function handler(): Promise<Omit<SweepReport, 'outcomes'>> {
  const deps = await loadDependencies();
  const report = await sweep(deps);
  const summary = { leasesReturned: report.leasesReturned, tasksFailed: report.tasksFailed, roundsChecked: report.roundsChecked, aggregationsResumed: report.aggregationsResumed };
  deps.logger.info(summary, 'sweep finished');
  return summary;
}
