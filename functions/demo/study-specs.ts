import type { components } from '../../gateway/src/cloud/generated/openapi.js';
import { WDBC_FEATURES } from './study-data.js';

export type ModelSpec = components['schemas']['ModelSpec'];

/** Days at which the report reads survival off the Kaplan–Meier curves: 1, 2, 3 and 5 years. */
export const SURVIVAL_TIMES_DAYS = [365, 730, 1095, 1825];

/** The Cox design's covariate names, as `model.matrix` with treatment contrasts names them. */
export const COX_COVARIATES = ['horTh_yes', 'age', 'menostat_Post', 'tsize', 'tgrade_II', 'tgrade_III', 'pnodes', 'progrec', 'estrec'];

const SURVIVAL_OUTCOME = { kind: 'survival', time: 'time', event: 'cens' } as const;

/**
 * The relapse-risk model: Cox proportional hazards on the raw GBSG2 columns, factors with treatment
 * contrasts (references no, Pre and grade I), Breslow ties as in the R reference. The tolerance is
 * R's tight control (`coxph.control(eps = 1e-12)`).
 */
export const RELAPSE_COX_SPEC: ModelSpec = {
  family: 'cox_ph',
  outcome: SURVIVAL_OUTCOME,
  features: [
    { column: 'horTh', encoding: 'categorical', levels: ['no', 'yes'], reference: 'no' },
    { column: 'age', encoding: 'numeric' },
    { column: 'menostat', encoding: 'categorical', levels: ['Pre', 'Post'], reference: 'Pre' },
    { column: 'tsize', encoding: 'numeric' },
    { column: 'tgrade', encoding: 'categorical', levels: ['I', 'II', 'III'], reference: 'I' },
    { column: 'pnodes', encoding: 'numeric' },
    { column: 'progrec', encoding: 'numeric' },
    { column: 'estrec', encoding: 'numeric' },
  ],
  missing: 'fail',
  hyperparameters: { ties: 'breslow', tolerance: 1e-12, maxIterations: 30 },
};

/** Relapse-free survival by hormone therapy: curves per group and the log-rank test. */
export const SURVIVAL_BY_THERAPY_SPEC: ModelSpec = {
  family: 'kaplan_meier',
  outcome: SURVIVAL_OUTCOME,
  groupBy: 'horTh',
  features: [],
  missing: 'fail',
  hyperparameters: {},
};

/** Options of the Kaplan–Meier job: the groups in report order and the reading times. */
export const KAPLAN_MEIER_OPTIONS = { groupLevels: ['no', 'yes'], times: SURVIVAL_TIMES_DAYS, confidenceLevel: 0.95 };

/**
 * Options of the cohort-statistics job on the Cox model's columns (a descriptive job may read only
 * the columns of an approved spec): mean and SD of the numeric ones, counts of the factors and of
 * the event indicator.
 */
export const COHORT_STATISTICS_OPTIONS = {
  numeric: ['age', 'tsize', 'pnodes', 'progrec', 'estrec', 'time'].map((column) => ({ column })),
  categorical: [
    { column: 'horTh', levels: ['no', 'yes'] },
    { column: 'menostat', levels: ['Pre', 'Post'] },
    { column: 'tgrade', levels: ['I', 'II', 'III'] },
    { column: 'cens', levels: ['0', '1'] },
  ],
};

const DIAGNOSIS_OUTCOME = { kind: 'binary', column: 'diagnosis', positive: 'M' } as const;

/** The WDBC features unscaled: the spec the standardisation statistics are computed under. */
export const WDBC_RAW_SPEC: ModelSpec = {
  family: 'logistic_regression',
  outcome: DIAGNOSIS_OUTCOME,
  features: WDBC_FEATURES.map((column) => ({ column, encoding: 'numeric' as const })),
  missing: 'fail',
  hyperparameters: { method: 'newton', tolerance: 1e-8, maxIterations: 25 },
};

export const WDBC_STATISTICS_OPTIONS = { numeric: WDBC_FEATURES.map((column) => ({ column })), categorical: [{ column: 'diagnosis', levels: ['B', 'M'] }] };

/** Pooled mean and sample SD (n − 1) of each feature, as R's `scale()` uses them. */
export type Standardisation = Record<string, { center: number; scale: number }>;

function standardisedFeatures(standardisation: Standardisation) {
  return WDBC_FEATURES.map((column) => {
    const entry = standardisation[column];
    if (entry === undefined) throw new Error(`no pooled mean and SD for ${column}; the statistics job must describe every feature`);
    return { column, encoding: 'numeric' as const, center: entry.center, scale: entry.scale };
  });
}

/**
 * Logistic regression of malignancy on the five standardised `mean5` features, by federated
 * Newton (IRLS). The tolerance is tighter than glm's default 1e-8 so the fit is R's to 1e-10.
 */
export function diagnosisLogisticSpec(standardisation: Standardisation): ModelSpec {
  return {
    family: 'logistic_regression',
    outcome: DIAGNOSIS_OUTCOME,
    features: standardisedFeatures(standardisation),
    missing: 'fail',
    hyperparameters: { method: 'newton', tolerance: 1e-10, maxIterations: 25 },
  };
}

/** Training rounds of the MLP; one evaluation round follows. */
export const MLP_TRAINING_ROUNDS = 20;

/** Builds the MLP spec: one hidden layer of 16 units on the same features, Adam locally, FedAvg on the server. */
export function diagnosisMlpSpec(standardisation: Standardisation): ModelSpec {
  return {
    family: 'mlp_classifier',
    outcome: DIAGNOSIS_OUTCOME,
    features: standardisedFeatures(standardisation),
    missing: 'fail',
    hyperparameters: {
      hiddenLayers: [16],
      optimizer: {
        local: 'adam',
        learningRate: 0.01,
        localEpochs: 1,
        batchSize: 32,
        proximalMu: 0,
        server: 'fedavg',
        serverLearningRate: 1,
        serverMomentum: 0.9,
        seed: 20_240_601,
      },
    },
  };
}
