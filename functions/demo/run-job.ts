import { setTimeout as sleep } from 'node:timers/promises';

import { dataOrThrow, type ApiClient } from '../../gateway/src/cloud/api-client.js';
import type { components } from '../../gateway/src/cloud/generated/openapi.js';
import type { StudyProgress } from './progress.js';

type Job = components['schemas']['Job'];
type CreateJobRequest = components['schemas']['CreateJobRequest'];
export type Round = components['schemas']['Round'];

/** Pause between two reads of a running job, in milliseconds: short, because rounds take well under a second here. */
const WATCH_INTERVAL_MS = 100;

/**
 * Maximum run time of a job before the demo stops waiting, in milliseconds. The longest demo job
 * (20 MLP rounds) took 8 s at 3 sites and 33 s at 10 sites on a loaded 2-core machine, so a job
 * still running after 5 minutes is stuck, and its rounds show where.
 */
const JOB_TIMEOUT_MS = 5 * 60_000;

export interface FinishedJob<Results> {
  job: Job;
  rounds: Round[];
  results: Results;
}

/** Raised when a job fails, is cancelled or times out; the message lists the per-site status. */
export class JobFailedError extends Error {
  override name = 'JobFailedError';
}

/**
 * Launches a job as the partner's data scientist and follows it to the end, reporting each new
 * round. Returns the final results and every round with its metrics. A job that does not succeed
 * raises `JobFailedError` with the job's failure reason and each site's task state and reason.
 */
export async function runJob<Results>(
  scientist: ApiClient,
  projectId: string,
  title: string,
  request: CreateJobRequest,
  progress: StudyProgress,
  siteNames: ReadonlyMap<string, string>,
): Promise<FinishedJob<Results>> {
  const created = dataOrThrow(await scientist.POST('/v1/projects/{projectId}/jobs', { params: { path: { projectId } }, body: request }));
  progress.jobStarted(title, created.id, created.computation);

  const giveUpAt = Date.now() + JOB_TIMEOUT_MS;
  let job: Job;
  let reportedRound = 0;
  for (;;) {
    job = dataOrThrow(await scientist.GET('/v1/jobs/{jobId}', { params: { path: { jobId: created.id } } }));
    const finished = job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled';
    const completedRound = finished ? job.currentRound : job.currentRound - 1;
    if (completedRound > reportedRound) {
      const rounds = await listRounds(scientist, job.id);
      for (const round of rounds.filter((entry) => entry.number > reportedRound && entry.state === 'completed')) {
        progress.roundCompleted(title, round.number, round.metrics);
      }
      reportedRound = completedRound;
    }
    if (finished) break;
    if (Date.now() > giveUpAt) {
      throw new JobFailedError(`${title}: job ${job.id} is still ${job.state} after ${JOB_TIMEOUT_MS / 1000} s\n${describeSites(await listRounds(scientist, job.id), siteNames)}`);
    }
    await sleep(WATCH_INTERVAL_MS);
  }

  const rounds = await listRounds(scientist, job.id);
  if (job.state !== 'succeeded') {
    throw new JobFailedError(
      `${title}: job ${job.id} ${job.state}: ${job.failureReason ?? 'no reason recorded'}\n${describeSites(rounds, siteNames, job.failureReason)}`,
    );
  }

  const results = dataOrThrow(await scientist.GET('/v1/jobs/{jobId}/results', { params: { path: { jobId: job.id } } }));
  progress.jobFinished(title, job.id, rounds.length);
  return { job, rounds, results: results.results as Results };
}

async function listRounds(scientist: ApiClient, jobId: string): Promise<Round[]> {
  return dataOrThrow(await scientist.GET('/v1/jobs/{jobId}/rounds', { params: { path: { jobId } } })).items;
}

/**
 * Lists the last round's state and each site's task state and reason, for a failure message.
 * The round's own reason is left out when the job's reason already repeats it.
 */
export function describeSites(rounds: readonly Round[], siteNames: ReadonlyMap<string, string>, jobReason?: string | null): string {
  const last = rounds[rounds.length - 1];
  if (last === undefined) return '  no round was opened';

  const roundReason = last.failureReason !== null && !(jobReason ?? '').includes(last.failureReason) ? ` (${last.failureReason})` : '';
  const lines = [`  Round ${last.number}: ${last.state}${roundReason}`];
  const sites = last.sites
    .map((site) => ({ site, name: siteNames.get(site.datasetId) ?? site.gatewayName }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  for (const { site, name } of sites) {
    const expired = site.attempts > 0 ? `, ${site.attempts} of ${site.maxAttempts} leases expired` : '';
    lines.push(`  ${name}: task ${site.state}${expired}${site.reason ? `: ${site.reason}` : ''}`);
  }
  return lines.join('\n');
}
