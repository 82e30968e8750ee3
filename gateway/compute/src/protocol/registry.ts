import type { Computation, ComputationName } from './computation.js';
import { coxNewtonComputation } from './computations/cox-newton.js';
import { descriptiveComputation } from './computations/descriptive.js';
import { evaluateBinaryComputation } from './computations/evaluate-binary.js';
import { logisticFedAvgComputation, mlpFedAvgComputation } from './computations/fedavg.js';
import { kaplanMeierComputation } from './computations/kaplan-meier.js';
import { logisticNewtonComputation } from './computations/logistic-newton.js';
import { predictBinaryComputation } from './computations/predict-binary.js';
import { predictMulticlassComputation } from './computations/predict-multiclass.js';

/**
 * Every computation a job can run, by name. The cloud plans and aggregates with the same objects
 * the gateway runs on its data, so both sides always agree on the wire format of a round.
 */
const COMPUTATIONS: { [Name in ComputationName]: Computation<never> } = {
  descriptive: descriptiveComputation as Computation<never>,
  kaplan_meier: kaplanMeierComputation as Computation<never>,
  cox_newton: coxNewtonComputation as Computation<never>,
  logistic_newton: logisticNewtonComputation as Computation<never>,
  logistic_fedavg: logisticFedAvgComputation as Computation<never>,
  mlp_fedavg: mlpFedAvgComputation as Computation<never>,
  evaluate_binary: evaluateBinaryComputation as Computation<never>,
  predict_binary: predictBinaryComputation as Computation<never>,
  predict_multiclass: predictMulticlassComputation as Computation<never>,
};

/** The computation of a name; throws for a name this version does not know. */
export function getComputation(name: ComputationName): Computation {
  const computation = (COMPUTATIONS as Record<string, Computation<never> | undefined>)[name];
  if (!computation) {
    throw new RangeError(`unknown computation "${name}"; this version knows ${Object.keys(COMPUTATIONS).join(', ')}`);
  }
  return computation as unknown as Computation;
}
