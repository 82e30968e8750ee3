import { getComputation } from '@onsite/compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sweep } from '../../functions/services/jobs/sweep.js';
import { listPendingDeliveries } from '../../gateway/src/state/index.js';
import { databaseTargets } from '../support/database.js';
import { Federation, readAuditEntries, waitFor, type FederatedSite } from './support/federation.js';
import { GBSG2_SITE_FILES, KAPLAN_MEIER_SPEC } from './support/gbsg2.js';
import { isOperation } from './support/network.js';

const LEASE_SECONDS = 60;
const CLAIM_PATH = /^\/v1\/tasks\/claim$/;
const RESULT_PATH = /^\/v1\/tasks\/[^/]+\/result$/;

describe.each(databaseTargets())('gateway faults on %s', (target) => {
  let federation: Federation;
  let modelId: string;

  beforeAll(async () => {
    federation = await Federation.start(target, getComputation);
    await federation.seed('faults', GBSG2_SITE_FILES.map((file) => ({ file, policy: ['releaseExactEventTimes=true'] })));
    modelId = await federation.createModel('relapse-free survival', KAPLAN_MEIER_SPEC);
  });

  afterAll(async () => {
    await federation.close();
  });

  /**
   * Starts a Kaplan–Meier job and lets the second and third gateways submit their part, so the
   * round waits on the first site only. Returns the job id with those two gateways stopped again.
   */
  async function jobWaitingOnFirstSite(): Promise<string> {
    const job = await federation.createJob({ kind: 'analytics', computation: 'kaplan_meier', modelId, settings: { leaseSeconds: LEASE_SECONDS, maxAttempts: 3 } });
    const others = await Promise.all(federation.sites.slice(1).map((site) => federation.startGateway(site)));
    await waitFor('the other sites to submit', async () => {
      const [round] = await federation.readRounds(job.id);
      const submitted = round?.sites.filter((site) => site.state === 'submitted').length ?? 0;
      return submitted === 2 ? true : undefined;
    });
    await Promise.all(others.map((gateway) => gateway.stop()));
    return job.id;
  }

  function firstSite(): FederatedSite {
    return federation.sites[0]!;
  }

  /** Types of the site's local audit events about one job, oldest first. */
  async function auditTypes(site: FederatedSite, jobId: string): Promise<string[]> {
    return (await readAuditEntries(site.stateDir)).filter((entry) => entry.details.jobId === jobId).map((entry) => entry.type);
  }

  it('reassigns the task of a gateway stopped mid-task', async () => {
    const jobId = await jobWaitingOnFirstSite();
    const network = federation.createNetwork();
    const kill = new AbortController();
    const attempts: number[] = [];
    const stopOnClaim = network.onResponse(async (request, response) => {
      if (!isOperation(request, 'POST', CLAIM_PATH) || response.status !== 200) return;
      attempts.push(((await response.clone().json()) as { attempt: number }).attempt);
      if (attempts.length === 1) kill.abort();
    });
    const killed = await federation.startGateway(firstSite(), { fetch: network.fetch, signal: kill.signal });
    await killed.stopped;

    const [open] = await federation.readRounds(jobId);
    const leased = open?.sites.find((site) => site.gatewayId === firstSite().gatewayId);
    expect(leased?.state).toBe('leased');
    expect((await listPendingDeliveries(firstSite().stateDir)).deliveries).toEqual([]);

    federation.api.clock.advanceSeconds(LEASE_SECONDS + 1);
    const swept = await sweep(federation.scheduler());
    expect(swept.leasesReturned).toBe(1);
    const restarted = await federation.startGateway(firstSite(), { fetch: network.fetch });
    const job = await federation.waitForJob(jobId);
    await restarted.stop();
    stopOnClaim();

    expect(job.state, JSON.stringify(job)).toBe('succeeded');
    expect(attempts).toEqual([1, 2]);
    const [round] = await federation.readRounds(jobId);
    const site = round?.sites.find((entry) => entry.gatewayId === firstSite().gatewayId);
    expect(site?.state).toBe('submitted');
    expect(await auditTypes(firstSite(), jobId)).toEqual(['task.computed', 'task.result_delivered']);
  });

  it('delivers a result computed offline after a restart', async () => {
    const jobId = await jobWaitingOnFirstSite();
    const network = federation.createNetwork();
    network.capture = true;
    const cutOnClaim = network.onResponse((request, response) => {
      if (isOperation(request, 'POST', CLAIM_PATH) && response.status === 200) network.offline = true;
    });
    const offline = await federation.startGateway(firstSite(), { fetch: network.fetch });
    const queued = await waitFor('a failed delivery attempt', async () => {
      const [delivery] = (await listPendingDeliveries(firstSite().stateDir)).deliveries;
      return delivery !== undefined && delivery.attempts >= 1 ? delivery : undefined;
    });
    await offline.stop();
    cutOnClaim();
    const status = JSON.parse(await federation.cli(firstSite().stateDir, ['status', '--json'])) as {
      pendingDeliveries: { taskId: string; attempts: number }[];
      lastContactAt: string | null;
      tasksInProgress: unknown[];
    };

    expect(queued.kind).toBe('task_result');
    expect(status.pendingDeliveries).toEqual([expect.objectContaining({ taskId: queued.taskId, attempts: expect.any(Number) })]);
    expect(status.lastContactAt).not.toBeNull();
    expect(status.tasksInProgress).toEqual([]);
    expect(queued.lastError).toMatch(/fetch failed|ECONNREFUSED/);
    expect((await federation.readJob(jobId)).state).toBe('running');
    expect((await listPendingDeliveries(firstSite().stateDir)).deliveries.map((delivery) => delivery.id)).toEqual([queued.id]);

    network.offline = false;
    const restarted = await federation.startGateway(firstSite(), { fetch: network.fetch });
    const job = await federation.waitForJob(jobId);
    await restarted.stop();

    expect(job.state, JSON.stringify(job)).toBe('succeeded');
    expect((await listPendingDeliveries(firstSite().stateDir)).deliveries).toEqual([]);
    const submissions = network.sent.filter((request) => request.method === 'POST' && RESULT_PATH.test(new URL(request.url).pathname));
    expect(submissions).toHaveLength(1);
    expect(await auditTypes(firstSite(), jobId)).toEqual(['task.computed', 'task.result_delivered']);
  });

  it('never submits a result under a lost lease', async () => {
    const jobId = await jobWaitingOnFirstSite();
    const network = federation.createNetwork();
    network.capture = true;
    const leaseTokens: string[] = [];
    const expireOnClaim = network.onResponse(async (request, response) => {
      if (!isOperation(request, 'POST', CLAIM_PATH) || response.status !== 200) return;
      leaseTokens.push(((await response.clone().json()) as { leaseToken: string }).leaseToken);
      if (leaseTokens.length === 1) {
        // The first lease runs out while the gateway computes, and the sweep hands the task out again.
        federation.api.clock.advanceSeconds(LEASE_SECONDS + 1);
        await sweep(federation.scheduler());
      }
    });
    const gateway = await federation.startGateway(firstSite(), { fetch: network.fetch });
    const job = await federation.waitForJob(jobId);
    await gateway.stop();
    expireOnClaim();

    expect(job.state, JSON.stringify(job)).toBe('succeeded');
    expect(leaseTokens).toHaveLength(2);
    const submissions = network.sent.filter((request) => request.method === 'POST' && RESULT_PATH.test(new URL(request.url).pathname));
    expect(submissions).toHaveLength(1);
    const submitted = JSON.parse(Buffer.from(submissions[0]!.body).toString('utf8')) as { leaseToken: string };
    expect(submitted.leaseToken).toBe(leaseTokens[1]);
    expect(await auditTypes(firstSite(), jobId)).toEqual(['task.computed', 'delivery.dropped', 'task.computed', 'task.result_delivered']);
    expect((await listPendingDeliveries(firstSite().stateDir)).deliveries).toEqual([]);
  });
});
