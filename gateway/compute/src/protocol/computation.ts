import type { ColumnarTable } from '../spec/design-matrix.js';
import type { ModelFamily, ModelSpec, Outcome } from '../spec/model-spec.js';
import type { TensorLayout, TensorMap } from '../weights/tensor-map.js';

/**
 * The contract between the cloud's job scheduler, the gateway's runner and the maths. A job runs
 * one computation in rounds: the cloud plans a round (`planRound`), every site computes its
 * contribution from local data (`runSite`), and the cloud combines the contributions and takes one
 * server step (`serverStep`). Everything a site returns is a sum or a count, so combining is
 * adding (Kaplan–Meier merges counts keyed by time, which is adding too).
 *
 * State is plain JSON so the scheduler can persist it in the database between rounds and resume
 * exactly after a restart; JSON numbers round-trip float64 (and float32) values exactly.
 */

export const JOB_KINDS = ['analytics', 'train', 'evaluate', 'predict'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const COMPUTATION_NAMES = [
  'descriptive',
  'kaplan_meier',
  'cox_newton',
  'logistic_newton',
  'logistic_fedavg',
  'mlp_fedavg',
  'evaluate_binary',
  'predict_binary',
  'predict_multiclass',
] as const;
export type ComputationName = (typeof COMPUTATION_NAMES)[number];

/** The site policy's privacy settings that change what a site computes (not whether it may). */
export interface SitePrivacy {
  /** Smallest count a site may report in a cell (a Kaplan–Meier time, a level count). */
  minCellSize: number;
  /** Action for a smaller cell: leave it out of the report, or refuse the whole task. */
  smallCellAction: 'suppress' | 'refuse';
  /** Whether exact event times may leave the site; when false, times are rounded up to `timeGridDays`. */
  exactEventTimes: boolean;
  timeGridDays: number;
  /**
   * Whether the rows per distinct predicted score may leave the site, for an exact AUC. When
   * false or absent, evaluations release score histograms at a fixed resolution only.
   */
  exactScores?: boolean;
}

/** The plan of one round, sent by the cloud to every site. */
export interface RoundPlan {
  /** JSON parameters of the round (for example the times at which to evaluate, or histogram edges). */
  parameters: Record<string, unknown>;
  /** The current global model (β, weights) when the round needs one; stored as a blob for the sites. */
  globalTensors?: TensorMap;
}

export interface SiteInput {
  spec: ModelSpec;
  table: ColumnarTable;
  round: number;
  parameters: Record<string, unknown>;
  globalTensors?: TensorMap;
  privacy: SitePrivacy;
}

/** One site's output for one round: sums and counts, never a row. */
export interface SiteContribution {
  tensors: TensorMap;
  /** Rows that contributed (after missing-value handling), a positive integer. */
  sampleCount: number;
  /** Aggregate figures of the site for this round (a loss, a count), shown per site. */
  metrics: Record<string, number>;
  /**
   * Files for the hospital only (row-level predictions, for example): the gateway writes them to
   * its state folder and never sends them. Not part of the update.
   */
  siteOnlyFiles?: Array<{ fileName: string; content: string }>;
}

export interface ContributionFromSite {
  siteId: string;
  contribution: SiteContribution;
}

export interface ServerStepResult<State> {
  state: State;
  /** True when the job is finished after this step (converged, or the last planned round). */
  done: boolean;
  /** Per-round figures for the training curve (log-likelihood, deviance, loss, accuracy). */
  roundMetrics: Record<string, number>;
  /** Results to show so far (coefficients with CIs, curves, tests); final when `done`. JSON. */
  results: Record<string, unknown>;
  /** Tensors of the new global model version, when this step produced one. */
  modelTensors?: TensorMap;
}

/**
 * Largest `maxRounds` a job may set. The cloud's API schema rejects a larger value, so a
 * computation's own round check names the same upper bound.
 */
export const MAX_JOB_ROUNDS = 1000;

/** A job setting common to every computation. */
export interface ComputationSettings {
  /**
   * The job's round limit, final evaluation rounds included: the rounds to run for fixed-round
   * methods (FedAvg), the maximum for iterative ones (Newton).
   */
  maxRounds: number;
  /** Computation-specific options (histogram edges, evaluation times, …), JSON. */
  options: Record<string, unknown>;
}

export interface Computation<State = unknown> {
  name: ComputationName;
  kind: JobKind;
  /** Model families whose specs this computation accepts. */
  families: readonly ModelFamily[];
  /** Outcome kinds it accepts within those families; absent means every kind the families allow. */
  outcomes?: readonly Outcome['kind'][];
  /**
   * False when the site reads the features only (predictions score rows whose outcome is
   * unknown), so the site's column rules and cohort count leave the outcome out. Default true.
   */
  readsOutcome?: boolean;
  /** Validates `settings.options` and returns the initial state; throws an error naming the option. */
  initialState(spec: ModelSpec, settings: ComputationSettings): State;
  planRound(state: State, round: number): RoundPlan;
  /** Runs on the site, on local data only. */
  runSite(input: SiteInput): Promise<SiteContribution>;
  /**
   * Validates and combines the round's contributions and takes one server step. Throws
   * `AggregationError` (and so keeps the previous state) when the contributions cannot be combined.
   */
  serverStep(state: State, contributions: ContributionFromSite[], round: number): ServerStepResult<State>;
  /**
   * The exact tensors every site must return in a round, when they do not depend on the site's
   * data. The scheduler then leaves out a contribution that does not match, with its reason,
   * before the server step. Absent for outputs whose length depends on the data (exact
   * Kaplan–Meier times), which `serverStep` checks itself.
   */
  contributionLayout?(state: State, round: number): TensorLayout | undefined;
}

/**
 * Raised by `runSite` when the site's privacy settings forbid the computation on this data (a
 * cell under the minimum size with the "refuse" action, for example). The gateway reports the
 * reason to the cloud as a refusal instead of a failure.
 */
export class SiteRefusal extends Error {
  override name = 'SiteRefusal';
  constructor(
    readonly code: 'small_cell' | 'small_cohort' | 'policy',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Raised by `initialState` when a job setting is out of range for the computation. `setting`
 * names the field at fault, so the cloud can point the caller at `settings.maxRounds` or
 * `settings.options`.
 */
export class ComputationSettingsError extends RangeError {
  override name = 'ComputationSettingsError';
  constructor(
    readonly setting: keyof ComputationSettings,
    message: string,
  ) {
    super(message);
  }
}
