import type { ClassificationSummary, CoxReport, DescriptiveSummary, KaplanMeierSummary, LogisticReport, LogRankResult } from '@onsite/compute';

import type { Round } from './run-job.js';

/**
 * The shapes of the job results the demo reads, as `jobs.getResults` returns them. JSON has no
 * Infinity, so a standard error that is infinite in the computation arrives as null.
 */
export interface DescriptiveResults {
  pooled: DescriptiveSummary;
  perSite: { siteId: string; withheldCells: number; summary: DescriptiveSummary }[];
  withheldCellsAtSites: number;
}

export interface KaplanMeierResults {
  overall: KaplanMeierSummary;
  byGroup: KaplanMeierSummary[];
  logRank: LogRankResult;
  logRankStratifiedBySite: LogRankResult;
  sites: { siteId: string; n: number; events: number }[];
}

export interface CoxResults {
  cox: CoxReport;
}

export type Evaluation = Omit<ClassificationSummary, 'roc'>;

export interface EvaluationReport {
  pooled: Evaluation;
  perSite: (Evaluation & { siteId: string })[];
}

export interface LogisticResults {
  logistic: LogisticReport;
  evaluation: EvaluationReport;
}

export interface FedAvgResults {
  /** Present once the final evaluation round has run. */
  evaluation?: EvaluationReport;
  lossHistory: number[];
  rounds: number;
}

/** A finished job as the report uses it: its id, its rounds with their metrics, its results. */
export interface JobOutcome<Results> {
  jobId: string;
  rounds: Round[];
  results: Results;
}

/** One simulated hospital as the report names it. */
export interface ReportSite {
  name: string;
  gatewayId: string;
  gbsg2DatasetId: string;
  wdbcDatasetId: string;
  gbsg2Rows: number;
  wdbcRows: number;
}

/** Everything the study produced, before it is formatted. */
export interface StudyResults {
  sites: ReportSite[];
  dataFile: string;
  cohort: JobOutcome<DescriptiveResults>;
  survival: JobOutcome<KaplanMeierResults>;
  cox: JobOutcome<CoxResults>;
  wdbcStatistics: JobOutcome<DescriptiveResults>;
  logistic: JobOutcome<LogisticResults>;
  mlp: JobOutcome<FedAvgResults>;
  /** Wall-clock seconds from the start of the demo to the last job's end. */
  elapsedSeconds: number;
}
