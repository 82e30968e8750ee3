import type { DescriptiveSummary, KaplanMeierSummary, ReportedCount } from '@onsite/compute';

import { PROJECT_NAME } from './collaboration.js';
import type { Round } from './run-job.js';
import type { DescriptiveResults, EvaluationReport, StudyResults } from './study-results.js';
import { MLP_TRAINING_ROUNDS, SURVIVAL_TIMES_DAYS } from './study-specs.js';

/** A published count, or null where a site's policy withheld it (fewer than the minimum cell size). */
export type CountOrWithheld = number | null;

export interface CohortTable {
  rows: CountOrWithheld;
  numeric: { column: string; n: CountOrWithheld; mean: number | null; sd: number | null }[];
  categorical: { column: string; levels: { level: string; count: CountOrWithheld }[] }[];
}

/** A Kaplan–Meier curve at its event times, as R's survfit for these data lists it, plus its summaries. */
export interface CurveReport {
  n: number;
  events: number;
  median: number | null;
  medianLower: number | null;
  medianUpper: number | null;
  time: number[];
  nRisk: number[];
  nEvent: number[];
  surv: number[];
  lower: (number | null)[];
  upper: (number | null)[];
  /** Last follow-up time (event or censoring), where the plotted step function ends. */
  lastTime: number;
  survivalAt: { days: number; nRisk: number; surv: number | null; lower: number | null; upper: number | null }[];
}

export interface PerformanceReport {
  pooled: { n: number; accuracy: number | null; auc: number | null };
  perSite: { site: string; n: number; accuracy: number | null; auc: number | null }[];
}

/**
 * The demo's report with stable keys: coefficients are keyed by covariate name as in R's design
 * (`horTh_yes`, `tgrade_II`, `(Intercept)`, …), curves are arrays in time order.
 */
export interface StudyReport {
  project: string;
  dataFile: string;
  elapsedSeconds: number;
  sites: { name: string; gatewayId: string; gbsg2Rows: number; wdbcRows: number }[];
  cohort: {
    jobId: string;
    minimumCellSize: number;
    pooled: CohortTable;
    /** `withheldCells`: count cells the site sent as 0 because they were below its minimum cell size. */
    perSite: ({ site: string; withheldCells: number } & CohortTable)[];
    withheldCellsAtSites: number;
  };
  km: { jobId: string; overall: CurveReport; byGroup: Record<string, CurveReport>; groupColumn: string };
  logrank: { chisq: number; df: number; p: number | null; groups: string[]; observed: number[]; expected: number[]; stratifiedBySite: { chisq: number; df: number; p: number | null } };
  cox: {
    jobId: string;
    ties: string;
    n: number;
    events: number;
    covariates: string[];
    coefficients: Record<string, number | null>;
    se: Record<string, number | null>;
    hazardRatio: Record<string, number | null>;
    lower95: Record<string, number | null>;
    upper95: Record<string, number | null>;
    p: Record<string, number | null>;
    loglik: number;
    loglikNull: number;
    likelihoodRatio: { chisq: number; df: number; p: number };
    concordance: number;
    concordanceSe: number;
    iterations: number;
    converged: boolean;
    /** Rounds the job took: one evaluation at β = 0, then one per Newton iteration. */
    rounds: number;
    loglikByRound: number[];
  };
  wdbc: { statisticsJobId: string; n: CountOrWithheld; standardisation: Record<string, { mean: number; sd: number }> };
  logistic: {
    jobId: string;
    coefficients: Record<string, number | null>;
    se: Record<string, number | null>;
    p: Record<string, number | null>;
    deviance: number;
    nullDeviance: number;
    aic: number;
    iterations: number;
    rounds: number;
    devianceByRound: number[];
    evaluation: PerformanceReport;
  };
  mlp: {
    jobId: string;
    hiddenLayers: number[];
    trainingRounds: number;
    rounds: number;
    lossByRound: number[];
    /** Null when the job ended before its evaluation round. */
    evaluation: PerformanceReport | null;
  };
}

/** Builds the report from the jobs' results. */
export function buildStudyReport(results: StudyResults): StudyReport {
  const siteName = new Map(results.sites.flatMap((site) => [[site.gbsg2DatasetId, site.name] as const, [site.wdbcDatasetId, site.name] as const]));
  const nameOf = (datasetId: string) => siteName.get(datasetId) ?? datasetId;
  // Results list sites in task order (by dataset id); the report lists them as Site 1, 2, ….
  const siteOrder = new Map(results.sites.flatMap((site, index) => [[site.gbsg2DatasetId, index] as const, [site.wdbcDatasetId, index] as const]));
  const bySite = <Entry extends { siteId: string }>(entries: readonly Entry[]) =>
    [...entries].sort((a, b) => (siteOrder.get(a.siteId) ?? Infinity) - (siteOrder.get(b.siteId) ?? Infinity));

  const km = results.survival.results;
  const cox = results.cox.results.cox;
  const logistic = results.logistic.results;
  const mlp = results.mlp.results;

  return {
    project: PROJECT_NAME,
    dataFile: results.dataFile,
    elapsedSeconds: Number(results.elapsedSeconds.toFixed(1)),
    sites: results.sites.map((site) => ({ name: site.name, gatewayId: site.gatewayId, gbsg2Rows: site.gbsg2Rows, wdbcRows: site.wdbcRows })),
    cohort: {
      jobId: results.cohort.jobId,
      minimumCellSize: results.cohort.results.pooled.minimumCellSize,
      pooled: cohortTable(results.cohort.results.pooled),
      perSite: bySite(results.cohort.results.perSite).map((entry) => ({ site: nameOf(entry.siteId), withheldCells: entry.withheldCells, ...cohortTable(entry.summary) })),
      withheldCellsAtSites: results.cohort.results.withheldCellsAtSites,
    },
    km: {
      jobId: results.survival.jobId,
      groupColumn: 'horTh',
      overall: curveReport(km.overall),
      byGroup: Object.fromEntries(km.byGroup.map((curve) => [curve.group, curveReport(curve)])),
    },
    logrank: {
      chisq: km.logRank.chiSquare,
      df: km.logRank.degreesOfFreedom,
      p: km.logRank.pValue,
      groups: km.logRank.groups,
      observed: km.logRank.observed,
      expected: km.logRank.expected,
      stratifiedBySite: { chisq: km.logRankStratifiedBySite.chiSquare, df: km.logRankStratifiedBySite.degreesOfFreedom, p: km.logRankStratifiedBySite.pValue },
    },
    cox: {
      jobId: results.cox.jobId,
      ties: cox.ties,
      n: cox.n,
      events: cox.nEvents,
      covariates: cox.coefficients.map((entry) => entry.name),
      coefficients: keyedByName(cox.coefficients, (entry) => entry.coefficient),
      se: keyedByName(cox.coefficients, (entry) => entry.standardError),
      hazardRatio: keyedByName(cox.coefficients, (entry) => entry.hazardRatio),
      lower95: keyedByName(cox.coefficients, (entry) => entry.lower95),
      upper95: keyedByName(cox.coefficients, (entry) => entry.upper95),
      p: keyedByName(cox.coefficients, (entry) => entry.pValue),
      loglik: cox.loglik,
      loglikNull: cox.loglikNull,
      likelihoodRatio: { chisq: cox.likelihoodRatioTest.statistic, df: cox.likelihoodRatioTest.df, p: cox.likelihoodRatioTest.pValue },
      concordance: cox.concordance,
      concordanceSe: cox.concordanceStandardError,
      iterations: cox.iterations,
      converged: cox.converged,
      rounds: results.cox.rounds.length,
      loglikByRound: roundMetric(results.cox.rounds, 'loglik'),
    },
    wdbc: {
      statisticsJobId: results.wdbcStatistics.jobId,
      n: reported(results.wdbcStatistics.results.pooled.rows),
      standardisation: standardisationReport(results.wdbcStatistics.results),
    },
    logistic: {
      jobId: results.logistic.jobId,
      coefficients: keyedByName(logistic.logistic.coefficients, (entry) => entry.coefficient),
      se: keyedByName(logistic.logistic.coefficients, (entry) => entry.standardError),
      p: keyedByName(logistic.logistic.coefficients, (entry) => entry.pValue),
      deviance: logistic.logistic.deviance,
      nullDeviance: logistic.logistic.nullDeviance,
      aic: logistic.logistic.aic,
      iterations: logistic.logistic.iterations,
      rounds: results.logistic.rounds.length,
      devianceByRound: roundMetric(results.logistic.rounds, 'deviance'),
      evaluation: performanceReport(logistic.evaluation, nameOf, bySite),
    },
    mlp: {
      jobId: results.mlp.jobId,
      hiddenLayers: [16],
      trainingRounds: MLP_TRAINING_ROUNDS,
      rounds: results.mlp.rounds.length,
      lossByRound: mlp.lossHistory,
      evaluation: mlp.evaluation === undefined ? null : performanceReport(mlp.evaluation, nameOf, bySite),
    },
  };
}

function keyedByName<Entry extends { name: string }, Value>(entries: readonly Entry[], pick: (entry: Entry) => Value): Record<string, Value> {
  return Object.fromEntries(entries.map((entry) => [entry.name, pick(entry)]));
}

function reported(count: ReportedCount): CountOrWithheld {
  return count.suppressed ? null : count.count;
}

function cohortTable(summary: DescriptiveSummary): CohortTable {
  return {
    rows: reported(summary.rows),
    numeric: summary.numeric.map((entry) => ({ column: entry.column, n: reported(entry.n), mean: entry.mean, sd: entry.sd })),
    categorical: summary.categorical.map((entry) => ({
      column: entry.column,
      levels: entry.levels.map((level) => ({ level: level.level, count: reported(level.count) })),
    })),
  };
}

/** Keeps the event times of a curve (the rows where survival steps down), as R's survfit lists them here. */
function curveReport(curve: KaplanMeierSummary): CurveReport {
  const eventRows = curve.time.flatMap((_, index) => ((curve.nEvent[index] ?? 0) > 0 ? [index] : []));
  const pick = <T>(values: readonly T[]) => eventRows.map((index) => values[index] as T);
  return {
    n: curve.n,
    events: curve.nEvent.reduce((sum, count) => sum + count, 0),
    median: curve.median,
    medianLower: curve.medianLower,
    medianUpper: curve.medianUpper,
    time: pick(curve.time),
    nRisk: pick(curve.nRisk),
    nEvent: pick(curve.nEvent),
    surv: pick(curve.surv),
    lower: pick(curve.lower),
    upper: pick(curve.upper),
    lastTime: curve.time[curve.time.length - 1] ?? 0,
    survivalAt: SURVIVAL_TIMES_DAYS.map((days) => {
      const entry = curve.survivalAt.find((candidate) => candidate.time === days);
      return { days, nRisk: entry?.nRisk ?? 0, surv: entry?.surv ?? null, lower: entry?.lower ?? null, upper: entry?.upper ?? null };
    }),
  };
}

function roundMetric(rounds: readonly Round[], key: string): number[] {
  return rounds.flatMap((round) => {
    const value = round.metrics[key];
    return typeof value === 'number' ? [value] : [];
  });
}

function standardisationReport(statistics: DescriptiveResults): Record<string, { mean: number; sd: number }> {
  return Object.fromEntries(
    statistics.pooled.numeric.flatMap((entry) => (entry.mean === null || entry.sd === null ? [] : [[entry.column, { mean: entry.mean, sd: entry.sd }]])),
  );
}

function performanceReport(
  evaluation: EvaluationReport,
  nameOf: (datasetId: string) => string,
  bySite: <Entry extends { siteId: string }>(entries: readonly Entry[]) => Entry[],
): PerformanceReport {
  return {
    pooled: { n: evaluation.pooled.n, accuracy: evaluation.pooled.accuracy, auc: evaluation.pooled.auc },
    perSite: bySite(evaluation.perSite).map((entry) => ({ site: nameOf(entry.siteId), n: entry.n, accuracy: entry.accuracy, auc: entry.auc })),
  };
}
