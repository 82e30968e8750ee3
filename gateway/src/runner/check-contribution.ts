import { KM_CENSORED_OUTPUT, KM_EVENTS_OUTPUT, type ComputationName, type NamedTensor, type SiteContribution } from '@onsite/compute';

import { checkUpdateNorm, isSmallCell, type PolicyDecision, type SitePolicy } from '../policy/index.js';

/**
 * Checks a computation's output before it is queued for the cloud: a positive integer sample
 * count, finite metrics and tensor values, and the policy's bound on the update norm. For binned
 * Kaplan–Meier counts it checks the small-cell rule again (see `checkKaplanMeierBins`).
 */
export function checkContribution(policy: SitePolicy, computation: ComputationName, contribution: SiteContribution): PolicyDecision {
  const { sampleCount, metrics, tensors } = contribution;
  if (!Number.isSafeInteger(sampleCount) || sampleCount < 1) {
    return { allowed: false, code: 'invalid_task', reason: `the computation returned sample count ${sampleCount}, not a positive integer` };
  }
  if (sampleCount < policy.minCohortSize) {
    return { allowed: false, code: 'cohort_too_small', reason: `the computation used fewer rows than the site policy's minCohortSize (${policy.minCohortSize})` };
  }

  for (const [name, value] of Object.entries(metrics)) {
    if (!Number.isFinite(value)) {
      return { allowed: false, code: 'update_not_finite', reason: `metric "${name}" is ${value}, not a finite number` };
    }
  }

  const names = Object.keys(tensors).sort();
  if (names.length === 0) {
    return { allowed: false, code: 'invalid_task', reason: 'the computation returned no tensors' };
  }

  const perTensor = names.map((name) => tensorNumbers(tensors[name]!));
  for (const [index, numbers] of perTensor.entries()) {
    const finite = checkUpdateNorm({ ...policy, maxUpdateNorm: undefined }, numbers);
    if (!finite.allowed) {
      return { allowed: false, code: finite.code, reason: `tensor "${names[index]}": ${finite.reason}` };
    }
  }

  // The bound applies to the whole update, every tensor together, as one vector.
  const all = new Float64Array(perTensor.reduce((total, numbers) => total + numbers.length, 0));
  let offset = 0;
  for (const numbers of perTensor) {
    all.set(numbers, offset);
    offset += numbers.length;
  }
  const norm = checkUpdateNorm(policy, all);
  if (!norm.allowed) {
    return norm;
  }

  if (computation === 'kaplan_meier' && !policy.releaseExactEventTimes) {
    return checkKaplanMeierBins(policy, tensors);
  }
  return { allowed: true };
}

/**
 * Checks that every time bin of a binned Kaplan–Meier output contains no patients or at least
 * `minCellSize` (events plus censorings over all groups, the cell the computation merges on). The
 * computation merges or refuses small bins itself; a small bin still present here is never
 * released, whatever `smallCellAction` says, because the gateway is the last check before the network.
 * With exact event times allowed by the policy, each time is released as it is and no bin exists.
 */
function checkKaplanMeierBins(policy: SitePolicy, tensors: SiteContribution['tensors']): PolicyDecision {
  const events = tensors[KM_EVENTS_OUTPUT];
  const censored = tensors[KM_CENSORED_OUTPUT];
  if (events === undefined || censored === undefined || events.data.length !== censored.data.length) {
    return { allowed: false, code: 'invalid_task', reason: `the Kaplan–Meier output lacks "${KM_EVENTS_OUTPUT}" or "${KM_CENSORED_OUTPUT}" of equal size` };
  }

  const eventCounts = tensorNumbers(events);
  const censoredCounts = tensorNumbers(censored);
  const groups = events.shape[1] ?? 1;
  let smallBins = 0;
  for (let start = 0; start < eventCounts.length; start += groups) {
    let total = 0;
    for (let group = 0; group < groups; group += 1) {
      total += eventCounts[start + group]! + censoredCounts[start + group]!;
    }
    if (isSmallCell(policy, total)) {
      smallBins += 1;
    }
  }
  if (smallBins > 0) {
    return { allowed: false, code: 'small_cell', reason: `a Kaplan–Meier time bin would count fewer patients than the site policy's minCellSize (${policy.minCellSize})` };
  }
  return { allowed: true };
}

function tensorNumbers(tensor: NamedTensor): ArrayLike<number> & Iterable<number> {
  if (tensor.dtype === 'I64') {
    return Float64Array.from(tensor.data, (value) => Number(value));
  }
  return tensor.data;
}
