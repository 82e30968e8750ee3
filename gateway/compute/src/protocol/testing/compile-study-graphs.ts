// Compiles the site graphs of a fixed set of model specs and prints their SHA-256 as JSON, so a
// test can check that two separate processes build byte-identical graphs from the same spec.
import { compileCoxSiteGraph } from '../../cox/cox-site-graph.js';
import { compileLogisticSiteGraph } from '../../logistic/logistic-site-graph.js';
import { compilePredictGraph, compileTrainStepGraph } from '../../mlp/train-step-graph.js';
import { federatedTrainingPlanFromSpec } from '../../mlp/spec-config.js';
import { sha256Hex } from '../../onnx/run-graph.js';
import { normaliseModelSpec } from '../../spec/index.js';
import { compileKaplanMeierSiteGraph } from '../../survival/kaplan-meier-site.js';
import { compileMulticlassSiteGraph } from '../../metrics/multiclass-site.js';
import { multiclassEvaluationPlan } from '../evaluation.js';
import { featureLayout } from '../feature-layout.js';

export const STUDY_SPECS = {
  cox: {
    family: 'cox_ph',
    outcome: { kind: 'survival', time: 'time', event: 'cens' },
    features: [
      { column: 'horTh', encoding: 'categorical', levels: ['no', 'yes'], reference: 'no' },
      { column: 'age', encoding: 'numeric' },
      { column: 'tgrade', encoding: 'categorical', levels: ['I', 'II', 'III'], reference: 'I' },
      { column: 'pnodes', encoding: 'numeric' },
    ],
    hyperparameters: { ties: 'efron' },
  },
  logistic: {
    family: 'logistic_regression',
    outcome: { kind: 'binary', column: 'diagnosis', positive: 'M' },
    features: [
      { column: 'radius_mean', encoding: 'numeric', center: 14.127, scale: 3.524 },
      { column: 'texture_mean', encoding: 'numeric', center: 19.29, scale: 4.301 },
    ],
  },
  mlp: {
    family: 'mlp_classifier',
    outcome: { kind: 'binary', column: 'diagnosis', positive: 'M' },
    features: [
      { column: 'radius_mean', encoding: 'numeric' },
      { column: 'texture_mean', encoding: 'numeric' },
    ],
    hyperparameters: { hiddenLayers: [16, 8] },
  },
  mlpMulticlass: {
    family: 'mlp_classifier',
    outcome: { kind: 'multiclass', column: 'tgrade', levels: ['I', 'II', 'III'] },
    features: [
      { column: 'age', encoding: 'numeric', center: 53.05, scale: 10.12 },
      { column: 'menostat', encoding: 'categorical', levels: ['Pre', 'Post'], reference: 'Pre' },
    ],
    hyperparameters: { hiddenLayers: [8], optimizer: { local: 'adam', proximalMu: 0.01 } },
  },
  km: { family: 'kaplan_meier', outcome: { kind: 'survival', time: 'time', event: 'cens' }, groupBy: 'horTh' },
} as const;

/** SHA-256 of every graph the study specs compile to, by name. */
export function compileStudyGraphHashes(): Record<string, string> {
  const cox = normaliseModelSpec(STUDY_SPECS.cox).spec;
  const logistic = normaliseModelSpec(STUDY_SPECS.logistic).spec;
  const mlp = normaliseModelSpec(STUDY_SPECS.mlp).spec;
  const km = normaliseModelSpec(STUDY_SPECS.km).spec;
  const mlpPlan = federatedTrainingPlanFromSpec(mlp, featureLayout(mlp));
  const multiclass = normaliseModelSpec(STUDY_SPECS.mlpMulticlass).spec;
  const multiclassPlan = federatedTrainingPlanFromSpec(multiclass, featureLayout(multiclass));

  return {
    cox: sha256Hex(compileCoxSiteGraph(featureLayout(cox), cox.family === 'cox_ph' ? cox.hyperparameters.ties : 'breslow')),
    logistic: sha256Hex(compileLogisticSiteGraph(featureLayout(logistic))),
    mlpTrain: sha256Hex(compileTrainStepGraph(mlpPlan.config)),
    mlpPredict: sha256Hex(compilePredictGraph(mlpPlan.config)),
    mlpMulticlassTrain: sha256Hex(compileTrainStepGraph(multiclassPlan.config)),
    mlpMulticlassPredict: sha256Hex(compilePredictGraph(multiclassPlan.config)),
    multiclassMetrics: compileMulticlassSiteGraph(multiclassEvaluationPlan(3)).sha256,
    kaplanMeier: km.family === 'kaplan_meier' ? compileKaplanMeierSiteGraph(km, { groupLevels: ['no', 'yes'] }).sha256 : '',
  };
}

if (process.argv[1]?.endsWith('compile-study-graphs.ts')) {
  process.stdout.write(`${JSON.stringify(compileStudyGraphHashes())}\n`);
}
