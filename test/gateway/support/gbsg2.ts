import { readFileSync } from 'node:fs';

/** The three simulated GBSG2 hospitals and the R reference fits, from the shared test data folder. */
export const GBSG2_SITE_FILES = [1, 2, 3].map((site) => new URL(`../../../../shared/data/gbsg2_sites/site${site}.csv`, import.meta.url).pathname);

export const GBSG2_COVARIATES = ['horTh_yes', 'age', 'menostat_Post', 'tsize', 'tgrade_II', 'tgrade_III', 'pnodes', 'progrec', 'estrec'];

/** Site-stratified Breslow Cox model on the 9 design columns; tolerance as R's tight control (eps 1e-12). */
export const STRATIFIED_COX_SPEC = {
  family: 'cox_ph',
  outcome: { kind: 'survival', time: 'time', event: 'event' },
  features: GBSG2_COVARIATES.map((column) => ({ column, encoding: 'numeric' })),
  hyperparameters: { ties: 'breslow', tolerance: 1e-12, maxIterations: 30 },
};

export const KAPLAN_MEIER_SPEC = {
  family: 'kaplan_meier',
  outcome: { kind: 'survival', time: 'time', event: 'event' },
};

export interface CoxReference {
  coefficients: Record<string, number>;
  se: Record<string, number>;
  loglik: number;
  loglik_null: number;
}

export interface KaplanMeierReference {
  n: number;
  n_events: number;
  time: number[];
  n_risk: number[];
  n_event: number[];
  surv: number[];
  std_err_log_surv: number[];
  median: { median: number; lower_95: number; upper_95: number };
}

function readReference(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../../../shared/data/reference/${name}`, import.meta.url), 'utf8'));
}

export const COX_REFERENCE = (readReference('gbsg2_cox_stratified.json') as { breslow: { tight_control: CoxReference } }).breslow.tight_control;
export const KM_REFERENCE = (readReference('gbsg2_km.json') as { overall: KaplanMeierReference }).overall;

/** |actual − expected| ≤ tolerance × |expected|, with the values in the failure message. */
export function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}
