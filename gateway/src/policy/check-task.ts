import { listUsedColumns, type ModelFamily, type ModelSpec } from '@onsite/compute';

import type { SitePolicy } from './site-policy.js';

/** The facts about a task that the site policy rules on, gathered before any computation. */
export interface TaskDescription {
  projectId: string;
  modelFamily: ModelFamily;
  /** Every dataset column the task reads (features, outcome, grouping). */
  columns: readonly string[];
  /** One-based round number of the job. */
  round: number;
  /** Number of patients the task would compute on, after dropping rows with missing values. */
  cohortSize: number;
}

/**
 * Builds the task description of a spec: its family and every column it reads, leaving the
 * outcome out for a computation that scores rows without it (`readsOutcome: false`).
 */
export function describeTask(task: { projectId: string; spec: ModelSpec; round: number; cohortSize: number; readsOutcome?: boolean }): TaskDescription {
  return {
    projectId: task.projectId,
    modelFamily: task.spec.family,
    columns: listUsedColumns(task.spec, { outcome: task.readsOutcome !== false }),
    round: task.round,
    cohortSize: task.cohortSize,
  };
}

export type PolicyRejectionCode =
  | 'invalid_task'
  | 'project_not_allowed'
  | 'model_family_not_allowed'
  | 'column_not_allowed'
  | 'too_many_rounds'
  | 'cohort_too_small'
  | 'small_cell'
  | 'update_not_finite'
  | 'update_norm_too_large';

export type PolicyDecision = { allowed: true } | { allowed: false; code: PolicyRejectionCode; reason: string };

/**
 * Decides whether the site policy lets a task run. Pure: the same policy and task always give the
 * same decision. The reason names the value at fault and the policy key that would allow it.
 */
export function checkTask(policy: SitePolicy, task: TaskDescription): PolicyDecision {
  if (!Number.isInteger(task.round) || task.round < 1) {
    return reject('invalid_task', `round ${task.round} is not a positive integer`);
  }
  if (!Number.isInteger(task.cohortSize) || task.cohortSize < 0) {
    return reject('invalid_task', `cohort size ${task.cohortSize} is not a non-negative integer`);
  }

  if (policy.allowedProjects !== 'all' && !policy.allowedProjects.includes(task.projectId)) {
    return reject(
      'project_not_allowed',
      `project ${task.projectId} is not in the site policy's allowedProjects; ` +
        `the data officer can add it with "onsite-gateway policy set allowedProjects=..."`,
    );
  }

  if (policy.allowedModelFamilies !== 'all' && !policy.allowedModelFamilies.includes(task.modelFamily)) {
    return reject(
      'model_family_not_allowed',
      `model family ${task.modelFamily} is not in the site policy's allowedModelFamilies ` +
        `(${policy.allowedModelFamilies.join(', ') || 'none'})`,
    );
  }

  if (policy.allowedColumns !== 'all') {
    const allowed = new Set(policy.allowedColumns);
    const forbidden = task.columns.filter((column) => !allowed.has(column));
    if (forbidden.length > 0) {
      return reject(
        'column_not_allowed',
        `column${forbidden.length > 1 ? 's' : ''} ${forbidden.join(', ')} not in the site policy's allowedColumns`,
      );
    }
  }

  if (task.round > policy.maxRoundsPerJob) {
    return reject('too_many_rounds', `round ${task.round} is beyond the site policy's maxRoundsPerJob (${policy.maxRoundsPerJob})`);
  }

  if (task.cohortSize < policy.minCohortSize) {
    // The exact size stays on the site: the reason goes to the cloud, so it states only the bound.
    return reject('cohort_too_small', `the cohort is smaller than the site policy's minCohortSize (${policy.minCohortSize})`);
  }

  return { allowed: true };
}

function reject(code: PolicyRejectionCode, reason: string): PolicyDecision {
  return { allowed: false, code, reason };
}
