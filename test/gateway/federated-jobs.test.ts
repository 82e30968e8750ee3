import { getComputation } from '@onsite/compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { databaseTargets } from '../support/database.js';
import { Federation } from './support/federation.js';
import { COX_REFERENCE, GBSG2_COVARIATES, GBSG2_SITE_FILES, KAPLAN_MEIER_SPEC, KM_REFERENCE, relativeError, STRATIFIED_COX_SPEC } from './support/gbsg2.js';

interface CoxResults {
  cox: {
    coefficients: { name: string; coefficient: number; standardError: number }[];
    loglik: number;
    loglikNull: number;
    converged: boolean;
  };
}

interface KaplanMeierResults {
  overall: { n: number; time: number[]; nRisk: number[]; nEvent: number[]; surv: number[]; stdErr: number[]; median: number | null; medianLower: number | null; medianUpper: number | null };
}

describe.each(databaseTargets())('three gateways over loopback on %s', (target) => {
  let federation: Federation;

  beforeAll(async () => {
    federation = await Federation.start(target, getComputation);
    // Exact event times may leave these sites, so the Kaplan–Meier curve can match R's exactly.
    await federation.seed('gbsg2', GBSG2_SITE_FILES.map((file) => ({ file, policy: ['releaseExactEventTimes=true'] })));
    for (const site of federation.sites) {
      await federation.startGateway(site);
    }
  });

  afterAll(async () => {
    await federation.close();
  });

  it('fits the stratified Cox model as R does', async () => {
    const modelId = await federation.createModel('relapse risk', STRATIFIED_COX_SPEC);
    const created = await federation.createJob({ kind: 'train', computation: 'cox_newton', modelId, settings: { maxRounds: 30 } });

    const job = await federation.waitForJob(created.id);

    expect(job.state, JSON.stringify(job)).toBe('succeeded');
    const { results } = await federation.readResults<CoxResults>(created.id);
    expect(results.cox.converged).toBe(true);
    const byName = new Map(results.cox.coefficients.map((entry) => [entry.name, entry]));
    for (const name of GBSG2_COVARIATES) {
      const fitted = byName.get(name);
      expect(fitted, `coefficient ${name} is missing from ${JSON.stringify(results.cox)}`).toBeDefined();
      expect(relativeError(fitted!.coefficient, COX_REFERENCE.coefficients[name]!), `β ${name}: ${fitted!.coefficient}`).toBeLessThan(1e-6);
      expect(relativeError(fitted!.standardError, COX_REFERENCE.se[name]!), `SE ${name}: ${fitted!.standardError}`).toBeLessThan(1e-6);
    }
    expect(relativeError(results.cox.loglik, COX_REFERENCE.loglik)).toBeLessThan(1e-6);
    expect(relativeError(results.cox.loglikNull, COX_REFERENCE.loglik_null)).toBeLessThan(1e-6);
  });

  it('computes the pooled Kaplan–Meier curve as R does', async () => {
    const modelId = await federation.createModel('relapse-free survival', KAPLAN_MEIER_SPEC);
    const created = await federation.createJob({ kind: 'analytics', computation: 'kaplan_meier', modelId });

    const job = await federation.waitForJob(created.id);

    expect(job.state, JSON.stringify(job)).toBe('succeeded');
    const { overall } = (await federation.readResults<KaplanMeierResults>(created.id)).results;
    expect(overall.n).toBe(KM_REFERENCE.n);
    // R lists event times only; the federated curve also lists censoring-only times.
    const rows = new Map(overall.time.map((time, index) => [time, index]));
    for (const [index, time] of KM_REFERENCE.time.entries()) {
      const row = rows.get(time);
      expect(row, `event time ${time} is missing`).toBeDefined();
      expect(overall.nRisk[row!], `n.risk at ${time}`).toBe(KM_REFERENCE.n_risk[index]);
      expect(overall.nEvent[row!], `n.event at ${time}`).toBe(KM_REFERENCE.n_event[index]);
      expect(relativeError(overall.surv[row!]!, KM_REFERENCE.surv[index]!), `survival at ${time}`).toBeLessThan(1e-12);
      expect(relativeError(overall.stdErr[row!]!, KM_REFERENCE.std_err_log_surv[index]!), `std.err at ${time}`).toBeLessThan(1e-10);
    }
    expect(overall.median).toBe(KM_REFERENCE.median.median);
    expect(overall.medianLower).toBe(KM_REFERENCE.median.lower_95);
    expect(overall.medianUpper).toBe(KM_REFERENCE.median.upper_95);
  });
});
