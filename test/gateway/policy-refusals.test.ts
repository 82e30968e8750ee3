import { eq } from 'drizzle-orm';
import { getComputation } from '@onsite/compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { jobs } from '../../db/schema/index.js';
import { listPendingDeliveries } from '../../gateway/src/state/index.js';
import { databaseTargets } from '../support/database.js';
import { Federation, readAuditEntries, waitFor, type FederatedSite } from './support/federation.js';
import { GBSG2_SITE_FILES, KAPLAN_MEIER_SPEC, STRATIFIED_COX_SPEC } from './support/gbsg2.js';

/** Policy each case starts from: the project allowed, every other key at its default. */
const BASE_POLICY = ['allowedModelFamilies=all', 'minCohortSize=10', 'minCellSize=10', 'smallCellAction=suppress', 'releaseExactEventTimes=true'];

interface RefusalCase {
  name: string;
  policy: string[];
  model: 'kaplan_meier' | 'cox_ph';
  code: string;
  reason: RegExp;
}

const REFUSALS: RefusalCase[] = [
  { name: 'a project not allowed', policy: ['allowedProjects='], model: 'kaplan_meier', code: 'project_not_allowed', reason: /is not in the site policy's allowedProjects/ },
  { name: 'a model family not allowed', policy: ['allowedModelFamilies=cox_ph'], model: 'kaplan_meier', code: 'model_family_not_allowed', reason: /model family kaplan_meier is not in the site policy's allowedModelFamilies/ },
  { name: 'a column not allowed', policy: ['allowedColumns=time,event,age'], model: 'cox_ph', code: 'column_not_allowed', reason: /not in the site policy's allowedColumns/ },
  { name: 'a cohort under the minimum', policy: ['minCohortSize=500'], model: 'kaplan_meier', code: 'cohort_too_small', reason: /the cohort is smaller than the site policy's minCohortSize \(500\)/ },
  {
    name: 'a Kaplan–Meier cell under the minimum',
    policy: ['releaseExactEventTimes=false', 'smallCellAction=refuse', 'minCellSize=10', 'eventTimeBinDays=30'],
    model: 'kaplan_meier',
    code: 'small_cell',
    reason: /fewer patients than the site policy's minCellSize \(10\), and smallCellAction is refuse/,
  },
];

describe.each(databaseTargets())('site policy refusals on %s', (target) => {
  let federation: Federation;
  let site: FederatedSite;
  const models: Record<RefusalCase['model'], string> = { kaplan_meier: '', cox_ph: '' };

  beforeAll(async () => {
    federation = await Federation.start(target, getComputation);
    await federation.seed('policy', [{ file: GBSG2_SITE_FILES[0]! }]);
    site = federation.sites[0]!;
    models.kaplan_meier = await federation.createModel('relapse-free survival', KAPLAN_MEIER_SPEC);
    models.cox_ph = await federation.createModel('relapse risk', STRATIFIED_COX_SPEC);
    await federation.startGateway(site);
  });

  afterAll(async () => {
    await federation.close();
  });

  async function setPolicy(assignments: string[]): Promise<void> {
    await federation.cli(site.stateDir, ['policy', 'set', `allowedProjects=${federation.projectId}`, ...BASE_POLICY, ...assignments]);
  }

  async function runJob(model: RefusalCase['model'], onCreated?: (jobId: string) => Promise<void>) {
    const job =
      model === 'kaplan_meier'
        ? await federation.createJob({ kind: 'analytics', computation: 'kaplan_meier', modelId: models.kaplan_meier })
        : await federation.createJob({ kind: 'train', computation: 'cox_newton', modelId: models.cox_ph, settings: { maxRounds: 30 } });
    await onCreated?.(job.id);
    const finished = await federation.waitForJob(job.id);
    const [round] = await federation.readRounds(job.id);
    return { job: finished, site: round?.sites[0] };
  }

  it.each(REFUSALS)('refuses $name and tells the cloud why', async ({ policy, model, code, reason }) => {
    await setPolicy(policy);

    const { job, site: task } = await runJob(model);

    expect(job.state, JSON.stringify(job)).toBe('failed');
    expect(task?.state).toBe('refused');
    expect(task?.reason).toMatch(reason);
    // The gateway writes its audit entry and clears the outbox just after the cloud's response.
    await waitFor('the outbox to empty', async () => ((await listPendingDeliveries(site.stateDir)).deliveries.length === 0 ? true : undefined));
    const audit = (await readAuditEntries(site.stateDir)).filter((entry) => entry.details.jobId === job.id);
    expect(audit.map((entry) => entry.type)).toEqual(['task.refused', 'task.refusal_delivered']);
    expect(audit[0]?.details.code).toBe(code);
  });

  it('refuses a spec other than the approved one', async () => {
    await setPolicy([]);

    // The cloud is honest but curious, not trusted: here it hands out a spec the site never approved.
    const { job, site: task } = await runJob('kaplan_meier', async (jobId) => {
      await federation.api.runtime.deps.db
        .update(jobs)
        .set({ spec: { ...KAPLAN_MEIER_SPEC, outcome: { kind: 'survival', time: 'age', event: 'event' } } })
        .where(eq(jobs.id, jobId));
    });

    expect(task?.state).toBe('refused');
    expect(task?.reason).toMatch(/this gateway runs approved specs only/);
    expect(job.state).toBe('failed');
  });

  it('runs the same job once the policy allows it', async () => {
    await setPolicy([]);

    const { job, site: task } = await runJob('kaplan_meier');

    expect(job.state, JSON.stringify(job)).toBe('succeeded');
    expect(task?.state).toBe('submitted');
  });
});
