import {
  decodeTensors,
  DesignMatrixError,
  encodeTensorsWithHash,
  listUsedColumns,
  normaliseModelSpec,
  SiteRefusal,
  type ColumnarTable,
  type Computation,
  type ComputationName,
  type ModelSpec,
  type SiteContribution,
  type TensorMap,
} from '@onsite/compute';
import type { Logger } from 'pino';

import { downloadBlob } from '../cloud/blob-transfer.js';
import { classifyCloudFailure, describeError } from '../cloud/cloud-errors.js';
import type { ClaimedTask } from '../cloud/claimed-task.js';
import type { FetchFunction } from '../cloud/gateway-cloud.js';
import { DataFileError, loadRegisteredDataset } from '../data/index.js';
import { retryWithBackoff, type BackoffOptions } from '../net/backoff.js';
import { checkTask, describeTask, readSitePolicy, type PolicyRejectionCode, type SitePolicy } from '../policy/index.js';
import { appendAuditEvent, enqueueDelivery, findDataset } from '../state/index.js';
import { checkContribution } from './check-contribution.js';
import { TASK_REFUSAL_KIND, TASK_RESULT_KIND, type TaskRefusalPayload, type TaskResultPayload } from './outbox-entries.js';
import { writeSiteOnlyFiles } from './site-only-files.js';
import { sitePrivacyFromPolicy } from './site-privacy.js';

/** Reasons sent to the cloud for a computation's `SiteRefusal`, by its code. */
const SITE_REFUSAL_REASONS: Record<SiteRefusal['code'], (policy: SitePolicy) => string> = {
  small_cell: (policy) =>
    `a released cell would count fewer patients than the site policy's minCellSize (${policy.minCellSize}), and smallCellAction is ${policy.smallCellAction}`,
  small_cohort: (policy) => `the cohort is smaller than the site policy's minCohortSize (${policy.minCohortSize})`,
  policy: () => 'the computation is not allowed by the site policy on this data',
};

/** Retries of the global tensors' download before the task is given up. */
const DOWNLOAD_RETRIES = 5;

/** Finds the computation a task names; throws for a name this gateway does not run. */
export type ComputationLookup = (name: ComputationName) => Computation;

/** Steps of a task, reported to `status.json` and to the progress display. */
export type TaskPhase = 'checking' | 'loading' | 'downloading' | 'computing' | 'queued' | 'delivering';

export interface TaskRunDependencies {
  stateDir: string;
  fetch: FetchFunction;
  computations: ComputationLookup;
  logger: Logger;
  now: () => Date;
  signal: AbortSignal;
  backoff: BackoffOptions;
  /** Whether the task's lease is still held; checked before the result is queued. */
  leaseLostReason: () => string | undefined;
  onPhase: (phase: TaskPhase) => Promise<void>;
}

/**
 * Outcome of a claimed task: its result or its refusal is in the outbox, or it was abandoned (the
 * runner is stopping, or the lease was lost) and the cloud will reassign it.
 */
export type TaskOutcome = { kind: 'result_queued' } | { kind: 'refusal_queued'; code: string } | { kind: 'abandoned'; reason: string };

/** Raised when a step needs a refusal: the reason goes to the cloud, so it never carries a patient count or value. */
class TaskRefusal extends Error {
  constructor(
    readonly code: PolicyRejectionCode | 'spec_not_approved' | 'dataset_unavailable' | 'computation_failed',
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Runs one claimed task up to the outbox. The site policy and the spec's approval are checked
 * before any data is read for computing; the result is checked again before it is queued. Queuing
 * happens before any upload, so a crash or a network loss after computing never loses the result
 * and never computes it twice.
 */
export async function runClaimedTask(deps: TaskRunDependencies, task: ClaimedTask): Promise<TaskOutcome> {
  try {
    const contribution = await computeContribution(deps, task);
    if (contribution === undefined) {
      return { kind: 'abandoned', reason: 'the gateway is stopping' };
    }

    const lost = deps.leaseLostReason();
    if (lost !== undefined) {
      deps.logger.warn({ reason: lost }, 'lease lost while computing; the result is discarded and the cloud will reassign the task');
      await appendAuditEvent(deps.stateDir, { type: 'task.abandoned', details: { taskId: task.taskId, jobId: task.jobId, reason: lost } }, deps.now());
      return { kind: 'abandoned', reason: lost };
    }

    const written = await writeSiteOnlyFiles(deps.stateDir, task, contribution, deps.now());
    if (written.length > 0) deps.logger.info({ files: written }, 'site-only outputs written to the state folder');

    await queueResult(deps, task, contribution);
    return { kind: 'result_queued' };
  } catch (error) {
    if (error instanceof TaskRefusal) {
      await queueRefusal(deps, task, error.code, error.reason);
      return { kind: 'refusal_queued', code: error.code };
    }
    throw error;
  }
}

async function computeContribution(deps: TaskRunDependencies, task: ClaimedTask): Promise<SiteContribution | undefined> {
  await deps.onPhase('checking');
  const policy = await readSitePolicy(deps.stateDir);
  const spec = approvedSpec(task);
  const computation = findComputation(deps, task, spec);

  const dataset = await findDataset(deps.stateDir, task.datasetId);
  if (dataset === undefined) {
    throw new TaskRefusal('dataset_unavailable', `dataset ${task.datasetId} is not registered on this gateway`);
  }

  // The policy's project, family and column rules need no data: check them before reading the file.
  checkPolicy(policy, task, spec, Number.MAX_SAFE_INTEGER, computation);

  if (deps.signal.aborted) {
    return undefined;
  }
  await deps.onPhase('loading');
  let table: ColumnarTable;
  try {
    ({ table } = await loadRegisteredDataset(dataset));
  } catch (error) {
    if (error instanceof DataFileError) {
      deps.logger.error({ err: error, datasetId: task.datasetId }, 'cannot load the registered dataset');
      throw new TaskRefusal('dataset_unavailable', `the data file of dataset ${task.datasetId} cannot be read or changed since it was registered`);
    }
    throw error;
  }
  checkPolicy(policy, task, spec, countCompleteRows(table, spec, computation), computation);

  await deps.onPhase('downloading');
  const globalTensors = await downloadGlobalTensors(deps, task);

  if (deps.signal.aborted) {
    return undefined;
  }
  await deps.onPhase('computing');
  let contribution: SiteContribution;
  try {
    contribution = await computation.runSite({
      spec,
      table,
      round: task.roundNumber,
      parameters: task.parameters,
      ...(globalTensors === undefined ? {} : { globalTensors }),
      privacy: sitePrivacyFromPolicy(policy),
    });
  } catch (error) {
    if (error instanceof SiteRefusal) {
      // The computation's message may quote a count or a time of the data: it stays in the local
      // log, and the cloud receives a reason that states only the policy's bound.
      deps.logger.warn({ code: error.code, detail: error.message }, 'the computation rejected the task under the site privacy settings');
      throw new TaskRefusal(error.code === 'small_cell' ? 'small_cell' : 'cohort_too_small', SITE_REFUSAL_REASONS[error.code](policy));
    }
    // The message may quote a value of the data, so it stays in the local log only. The column
    // comes from the spec, not the data, so the cloud may learn which column failed.
    deps.logger.error({ err: error }, 'the computation failed on the local data');
    const column = error instanceof DesignMatrixError && error.column !== undefined ? ` in column "${error.column}"` : '';
    throw new TaskRefusal(
      'computation_failed',
      `computation ${task.computation} failed on this site (${(error as Error).name}${column}); ` +
        (column ? 'check the spec against the values of that column at the site, whose log names the row and value' : "the site's log has the details"),
    );
  }

  const decision = checkContribution(policy, task.computation, contribution);
  if (!decision.allowed) {
    throw new TaskRefusal(decision.code, decision.reason);
  }
  return contribution;
}

/** Normalises the task's spec and checks it is the approved one: the gateway never runs another. */
function approvedSpec(task: ClaimedTask): ModelSpec {
  let normalised: { spec: ModelSpec; sha256: string };
  try {
    normalised = normaliseModelSpec(task.spec);
  } catch (error) {
    throw new TaskRefusal('invalid_task', `the task's model spec is invalid: ${(error as Error).message}`);
  }
  if (normalised.sha256 !== task.specSha256) {
    throw new TaskRefusal(
      'spec_not_approved',
      `the task's model spec has SHA-256 ${normalised.sha256}, not the approved ${task.specSha256}; this gateway runs approved specs only`,
    );
  }
  return normalised.spec;
}

function findComputation(deps: TaskRunDependencies, task: ClaimedTask, spec: ModelSpec): Computation {
  let computation: Computation;
  try {
    computation = deps.computations(task.computation);
  } catch {
    throw new TaskRefusal('invalid_task', `this gateway does not run computation ${task.computation}; update the gateway`);
  }
  if (!computation.families.includes(spec.family)) {
    throw new TaskRefusal('invalid_task', `computation ${task.computation} does not accept model family ${spec.family}`);
  }
  return computation;
}

function checkPolicy(policy: SitePolicy, task: ClaimedTask, spec: ModelSpec, cohortSize: number, computation: Computation): void {
  const readsOutcome = computation.readsOutcome !== false;
  const decision = checkTask(policy, describeTask({ projectId: task.projectId, spec, round: task.roundNumber, cohortSize, readsOutcome }));
  if (!decision.allowed) {
    throw new TaskRefusal(decision.code, decision.reason);
  }
}

/**
 * Counts the rows with a value in every column the spec reads: the cohort the task would compute
 * on. A column the dataset lacks is a refusal, named in the reason (column names are not patient data).
 */
function countCompleteRows(table: ColumnarTable, spec: ModelSpec, computation: Computation): number {
  const columns = listUsedColumns(spec, { outcome: computation.readsOutcome !== false }).map((name) => {
    const column = table.columns.get(name);
    if (column === undefined) {
      throw new TaskRefusal('invalid_task', `the dataset has no column "${name}", which the model spec reads`);
    }
    return column.values;
  });

  let complete = 0;
  for (let row = 0; row < table.rowCount; row += 1) {
    if (columns.every((values) => values[row] !== null)) {
      complete += 1;
    }
  }
  return complete;
}

async function downloadGlobalTensors(deps: TaskRunDependencies, task: ClaimedTask): Promise<TensorMap | undefined> {
  if (task.globalTensors === null) {
    return undefined;
  }
  const download = task.globalTensors;
  // A few retries ride out a short network fault. After them the task is given up, so its lease
  // expires and the cloud hands it out again.
  const bytes = await retryWithBackoff(() => downloadBlob(deps.fetch, download, download.sha256), {
    ...deps.backoff,
    maxRetries: DOWNLOAD_RETRIES,
    signal: deps.signal,
    shouldRetry: (error) => classifyCloudFailure(error).action === 'retry' && deps.leaseLostReason() === undefined,
    onRetry: ({ attempt, delayMs, error }) => deps.logger.warn({ attempt, retryInMs: delayMs, reason: describeError(error) }, 'download of the global tensors failed; retrying'),
  });
  return decodeTensors(bytes).tensors;
}

async function queueResult(deps: TaskRunDependencies, task: ClaimedTask, contribution: SiteContribution): Promise<void> {
  const { bytes, sha256 } = encodeTensorsWithHash(contribution.tensors);
  const payload: TaskResultPayload = {
    taskId: task.taskId,
    jobId: task.jobId,
    roundNumber: task.roundNumber,
    leaseToken: task.leaseToken,
    artifactBase64: Buffer.from(bytes).toString('base64'),
    artifactSha256: sha256,
    sampleCount: contribution.sampleCount,
    metrics: contribution.metrics,
  };
  // Keyed by task and lease: a runner restarted mid-task under the same lease queues it once.
  await enqueueDelivery(deps.stateDir, { kind: TASK_RESULT_KIND, taskId: task.taskId, key: `result:${task.taskId}:${task.leaseToken}`, payload }, deps.now());
  await appendAuditEvent(
    deps.stateDir,
    { type: 'task.computed', details: { taskId: task.taskId, jobId: task.jobId, round: task.roundNumber, artifactSha256: sha256, bytes: bytes.byteLength } },
    deps.now(),
  );
  deps.logger.info({ artifactSha256: sha256, bytes: bytes.byteLength }, 'result computed and queued');
  await deps.onPhase('queued');
}

async function queueRefusal(deps: TaskRunDependencies, task: ClaimedTask, code: string, reason: string): Promise<void> {
  const payload: TaskRefusalPayload = { taskId: task.taskId, jobId: task.jobId, leaseToken: task.leaseToken, code, reason };
  await appendAuditEvent(deps.stateDir, { type: 'task.refused', details: { taskId: task.taskId, jobId: task.jobId, projectId: task.projectId, code, reason } }, deps.now());
  await enqueueDelivery(deps.stateDir, { kind: TASK_REFUSAL_KIND, taskId: task.taskId, key: `refusal:${task.taskId}:${task.leaseToken}`, payload }, deps.now());
  // A failed computation is reported through the same refusal route, but it is not a policy decision.
  deps.logger.warn({ code, reason }, code === 'computation_failed' ? 'computation failed, so the task is reported as refused' : 'task refused by the site policy');
  await deps.onPhase('queued');
}
