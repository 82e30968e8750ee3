import { createServerOptimizerState, type ServerOptimizerState } from '../../aggregate/server-optimizer.js';
import { prepareBinarySiteData } from '../../logistic/binary-site-data.js';
import { logisticCoefficientsFromWeights } from '../../logistic/logistic-fedavg.js';
import { initializeNetworkWeights, predictProbabilities, trainLocalEpochs } from '../../mlp/local-training.js';
import { classCount, isSoftmax, networkTensorLayout, outputWidth } from '../../mlp/network-config.js';
import { deriveSeed } from '../../mlp/seeded-random.js';
import { aggregateNetworkRound } from '../../mlp/server-round.js';
import { federatedTrainingPlanFromSpec, type FederatedTrainingPlan } from '../../mlp/spec-config.js';
import { compilePredictGraph, compileTrainStepGraph } from '../../mlp/train-step-graph.js';
import { buildDesignMatrix } from '../../spec/design-matrix.js';
import type { ModelFamily, ModelSpec } from '../../spec/model-spec.js';
import type { TensorMap } from '../../weights/tensor-map.js';
import { ComputationSettingsError, MAX_JOB_ROUNDS, type Computation, type ComputationName, type ComputationSettings, type ServerStepResult } from '../computation.js';
import {
  classificationContribution,
  multiclassContribution,
  summarizeClassificationContributions,
  summarizeMulticlassContributions,
} from '../evaluation.js';
import { featureLayout } from '../feature-layout.js';
import { tensorMapFromJson, tensorMapToJson, type TensorMapJson } from '../tensor-json.js';
import { rejectUnknownOptions } from './options.js';

export interface FedAvgJobState {
  layout: string[];
  plan: FederatedTrainingPlan;
  /** Rounds of local training: the job's round limit less the evaluation round that follows. */
  trainingRounds: number;
  roundsDone: number;
  phase: 'train' | 'evaluate';
  weights: TensorMapJson;
  optimizer: { optimizer: ServerOptimizerState['optimizer']; step: number; moments: TensorMapJson };
  /** Weighted mean of the sites' last-epoch training loss, per round: the training curve. */
  lossHistory: number[];
  /** Class names of a multi-class outcome, in output order; absent for a binary one. */
  levels?: string[];
}

/** Rows of a site, with the features in the plan's layout and the outcome checked against its classes. */
function siteRows(spec: ModelSpec, table: Parameters<typeof buildDesignMatrix>[0], plan: FederatedTrainingPlan) {
  const matrix = buildDesignMatrix(table, spec);
  const rows = { layout: matrix.layout, n: matrix.n, x: matrix.x, y: matrix.y as Float64Array };
  return prepareBinarySiteData(rows, plan.config.layout, classCount(plan.config));
}

/**
 * Training rounds within the job's round limit, which also counts the final evaluation round.
 * Throws `ComputationSettingsError` on `maxRounds` unless it is an integer from 2 to `MAX_JOB_ROUNDS`.
 */
function readTrainingRounds(settings: ComputationSettings): number {
  const rounds = settings.maxRounds;
  if (!Number.isInteger(rounds) || rounds < 2 || rounds > MAX_JOB_ROUNDS) {
    throw new ComputationSettingsError(
      'maxRounds',
      `FedAvg: maxRounds is ${rounds}; set 2 to ${MAX_JOB_ROUNDS} rounds (at least one training round plus the final evaluation round)`,
    );
  }
  return rounds - 1;
}

function restoreOptimizer(state: FedAvgJobState): ServerOptimizerState {
  return { optimizer: state.optimizer.optimizer, step: state.optimizer.step, moments: tensorMapFromJson(state.optimizer.moments) };
}

/**
 * Site-side predictions of the current global network, for the evaluation round: n probabilities
 * for a binary network, n × classes for a multi-class one.
 */
async function predictAtSite(spec: ModelSpec, table: Parameters<typeof buildDesignMatrix>[0], plan: FederatedTrainingPlan, weights: TensorMap) {
  const data = siteRows(spec, table, plan);
  const probabilities = await predictProbabilities({ graph: compilePredictGraph(plan.config), config: plan.config, data, weights });
  return { probabilities, labels: data.y, n: data.n };
}

/**
 * FedAvg-family training of a network (an MLP, or logistic regression as a network with no hidden
 * layer): every round the sites train local epochs from the global weights (with FedProx's
 * proximal term when the spec sets μ) and return their new weights; the server averages them
 * weighted by sample count and applies the spec's server optimiser (FedAvg, FedAvgM, FedAdam,
 * FedYogi, FedAdagrad). A last round evaluates the final model at every site: binary metrics
 * for a sigmoid output, multi-class metrics (confusion matrix, one-vs-rest AUCs) for a softmax.
 */
function fedAvgComputation(name: ComputationName, families: readonly ModelFamily[]): Computation<FedAvgJobState> {
  return {
    name,
    kind: 'train',
    families,

    initialState(spec, settings) {
      rejectUnknownOptions(settings.options, [], name);
      const layout = featureLayout(spec);
      const plan = federatedTrainingPlanFromSpec(spec, layout);
      const weights = initializeNetworkWeights(plan.config, plan.seed);
      const optimizer = createServerOptimizerState(plan.server, networkTensorLayout(plan.config));
      return {
        layout,
        plan,
        trainingRounds: readTrainingRounds(settings),
        roundsDone: 0,
        phase: 'train',
        weights: tensorMapToJson(weights),
        optimizer: { optimizer: optimizer.optimizer, step: optimizer.step, moments: tensorMapToJson(optimizer.moments) },
        lossHistory: [],
        ...(spec.outcome.kind === 'multiclass' ? { levels: spec.outcome.levels.map(String) } : {}),
      };
    },

    planRound(state, round) {
      return { parameters: { phase: state.phase, round }, globalTensors: tensorMapFromJson(state.weights) };
    },

    contributionLayout(state) {
      // Evaluation outputs may carry exact-score counts, whose length depends on the data: serverStep checks them.
      return state.phase === 'evaluate' ? undefined : networkTensorLayout(state.plan.config);
    },

    async runSite({ spec, table, parameters, globalTensors, round, privacy }) {
      if (!globalTensors) throw new RangeError(`${name}: the task carries no global weights; the round is malformed`);
      const plan = federatedTrainingPlanFromSpec(spec, featureLayout(spec));

      if (parameters.phase === 'evaluate') {
        const { probabilities, labels, n } = await predictAtSite(spec, table, plan, globalTensors);
        const tensors = isSoftmax(plan.config)
          ? await multiclassContribution(probabilities, labels, outputWidth(plan.config), privacy)
          : await classificationContribution(probabilities, labels, privacy);
        return { tensors, sampleCount: n, metrics: {} as Record<string, number> };
      }

      const data = siteRows(spec, table, plan);
      const result = await trainLocalEpochs({
        graph: compileTrainStepGraph(plan.config),
        config: plan.config,
        data,
        weights: globalTensors,
        epochs: plan.localEpochs,
        batchSize: plan.batchSize,
        seed: deriveSeed(plan.seed, round),
      });
      return { tensors: result.weights, sampleCount: result.sampleCount, metrics: { loss: result.meanLoss } };
    },

    serverStep(state, contributions): ServerStepResult<FedAvgJobState> {
      if (state.phase === 'evaluate' && isSoftmax(state.plan.config)) {
        const classes = outputWidth(state.plan.config);
        const levels = state.levels ?? Array.from({ length: classes }, (_, index) => String(index));
        const evaluation = summarizeMulticlassContributions(contributions, classes, levels);
        return {
          state,
          done: true,
          roundMetrics: { accuracy: evaluation.pooled.accuracy ?? Number.NaN, macroAuc: evaluation.pooled.macroAuc ?? Number.NaN },
          results: { evaluation, levels, lossHistory: state.lossHistory, rounds: state.roundsDone },
        };
      }
      if (state.phase === 'evaluate') {
        const evaluation = summarizeClassificationContributions(contributions);
        const weights = tensorMapFromJson(state.weights);
        const results: Record<string, unknown> = { evaluation, lossHistory: state.lossHistory, rounds: state.roundsDone };
        if (state.plan.config.hiddenLayers.length === 0) results.coefficients = logisticCoefficientsFromWeights(state.layout, weights);
        return {
          state,
          done: true,
          roundMetrics: { accuracy: evaluation.pooled.accuracy ?? Number.NaN, auc: evaluation.pooled.auc ?? Number.NaN },
          results,
        };
      }

      const round = aggregateNetworkRound({
        config: state.plan.config,
        optimizer: state.plan.server,
        global: tensorMapFromJson(state.weights),
        state: restoreOptimizer(state),
        updates: contributions.map((entry) => ({ siteId: entry.siteId, sampleCount: entry.contribution.sampleCount, tensors: entry.contribution.tensors })),
        maxUpdateNorm: Number.POSITIVE_INFINITY,
      });
      const lossSum = contributions.reduce((sum, entry) => sum + (entry.contribution.metrics.loss ?? 0) * entry.contribution.sampleCount, 0);
      const loss = lossSum / round.totalSamples;
      const roundsDone = state.roundsDone + 1;
      const next: FedAvgJobState = {
        ...state,
        roundsDone,
        phase: roundsDone >= state.trainingRounds ? 'evaluate' : 'train',
        weights: tensorMapToJson(round.weights),
        optimizer: { optimizer: round.state.optimizer, step: round.state.step, moments: tensorMapToJson(round.state.moments) },
        lossHistory: [...state.lossHistory, loss],
      };
      return {
        state: next,
        done: false,
        roundMetrics: { loss, samples: round.totalSamples, pseudoGradientNorm: round.pseudoGradientNorm, rejected: round.rejections.length },
        results: { rounds: roundsDone, lossHistory: next.lossHistory },
        modelTensors: round.weights,
      };
    },
  };
}

export const logisticFedAvgComputation = fedAvgComputation('logistic_fedavg', ['logistic_regression']);
export const mlpFedAvgComputation = fedAvgComputation('mlp_fedavg', ['mlp_classifier']);
