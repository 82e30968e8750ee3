import type { KeyObject } from 'node:crypto';

import pino, { type Logger } from 'pino';

import { classifyCloudFailure, describeError } from '../cloud/cloud-errors.js';
import type { ClaimedTask } from '../cloud/claimed-task.js';
import { createGatewayCloud, type FetchFunction, type GatewayCloud } from '../cloud/gateway-cloud.js';
import { backoffDelay, systemClock, type BackoffOptions } from '../net/backoff.js';
import { appendAuditEvent, ensureStateDir, loadKeyPair, readConfig, updateRuntimeStatus } from '../state/index.js';
import { gatewayReport } from './capabilities.js';
import { gatewayComputations } from './computations.js';
import { deliverPending, type DeliveryDependencies } from './deliver-results.js';
import { keepLease } from './lease-keeper.js';
import { runClaimedTask, type ComputationLookup, type TaskPhase } from './run-task.js';

/** Gateway version reported to the cloud; kept equal to the CLI's `--version`. */
export const GATEWAY_VERSION = '0.1.0';

/** Maximum claim long-poll the cloud accepts, in seconds. */
export const MAX_CLAIM_WAIT_SECONDS = 20;

export interface StartGatewayOptions {
  /** The enrolled state folder (config, key pair, datasets, policy, outbox). */
  stateDir: string;
  /** The computations this gateway runs, by name (default: the `@onsite/compute` registry). */
  computations?: ComputationLookup;
  /** Fetch for every request, API and blobs alike (default: the global `fetch`). */
  fetch?: FetchFunction;
  /** JSON logger (default: pino at the config's level, on standard error). */
  logger?: Logger;
  /** Aborting it stops the gateway as `stop()` does. */
  signal?: AbortSignal;
  /** Pause after a claim found no task, in milliseconds (default 1000). */
  pollIntervalMs?: number;
  /** Seconds each claim waits for a task on the server, 0 to 20 (default 20). */
  claimWaitSeconds?: number;
  /** Interval of the gateway heartbeat (version and capabilities), in milliseconds (default 60 000). */
  heartbeatIntervalMs?: number;
  /** Backoff after failed cloud requests and deliveries (default: 1 s doubling up to 5 min, full jitter). */
  backoff?: BackoffOptions;
  /** Clock for timestamps in the state folder (default: the system clock). */
  now?: () => Date;
  /** Called at each step of a task, for a progress display. */
  onTaskPhase?: (event: { taskId: string; jobId: string; phase: TaskPhase | 'done' }) => void;
}

export interface RunningGateway {
  gatewayId: string;
  /**
   * Stops claiming, lets the current task finish or abandons it before its computation starts,
   * then resolves. A result already computed stays in the outbox for the next start.
   */
  stop(): Promise<void>;
  /** Resolves when the loop has ended (after `stop()` or the signal). */
  readonly stopped: Promise<void>;
}

/**
 * Starts the gateway's work loop on an enrolled state folder and returns at once. Each turn:
 * heartbeat when due, deliver the outbox, claim a task (long-poll), run it and deliver its result.
 * Failed cloud requests back off exponentially with jitter; nothing computed is lost while the
 * cloud is unreachable, because results wait in the outbox. Several gateways may run in one
 * process, each on its own state folder.
 */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const config = await readConfig(options.stateDir);
  if (config.apiUrl === undefined || config.gatewayId === undefined || config.credential === undefined) {
    throw new Error(`the state folder ${options.stateDir} is not enrolled; run "onsite-gateway enroll --api URL --token TOKEN" first`);
  }
  await ensureStateDir(options.stateDir);
  const keyPair = await loadKeyPair(options.stateDir);
  if (keyPair === undefined) {
    throw new Error(`the state folder ${options.stateDir} has a credential but no key pair; enrol the gateway again`);
  }

  const fetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const logger = (options.logger ?? pino({ level: config.logLevel })).child({ gatewayId: config.gatewayId });
  const controller = new AbortController();
  const onExternalAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onExternalAbort, { once: true });
  if (options.signal?.aborted === true) {
    controller.abort();
  }

  const loop = new GatewayLoop({
    options,
    computations: options.computations ?? gatewayComputations,
    stateDir: options.stateDir,
    cloud: createGatewayCloud({ apiUrl: config.apiUrl, credential: config.credential, fetch }),
    fetch,
    privateKey: keyPair.privateKey,
    logger,
    signal: controller.signal,
  });

  await updateRuntimeStatus(options.stateDir, (current) => ({ ...current, pid: process.pid, startedAt: loop.now().toISOString(), tasksInProgress: [] }), loop.now());
  await appendAuditEvent(options.stateDir, { type: 'gateway.started', details: { gatewayId: config.gatewayId, version: GATEWAY_VERSION } }, loop.now());
  logger.info({ stateDir: options.stateDir, apiUrl: config.apiUrl }, 'gateway started');

  const stopped = loop.run().finally(() => {
    options.signal?.removeEventListener('abort', onExternalAbort);
  });

  return {
    gatewayId: config.gatewayId,
    stopped,
    async stop() {
      controller.abort();
      await stopped;
    },
  };
}

interface LoopContext {
  options: StartGatewayOptions;
  computations: ComputationLookup;
  stateDir: string;
  cloud: GatewayCloud;
  fetch: FetchFunction;
  privateKey: KeyObject;
  logger: Logger;
  signal: AbortSignal;
}

class GatewayLoop {
  readonly now: () => Date;
  private readonly backoff: BackoffOptions;
  private readonly delivery: DeliveryDependencies;
  private nextHeartbeatAt = 0;
  private failures = 0;

  constructor(private readonly context: LoopContext) {
    this.now = context.options.now ?? (() => new Date());
    this.backoff = context.options.backoff ?? {};
    this.delivery = {
      stateDir: context.stateDir,
      cloud: context.cloud,
      fetch: context.fetch,
      privateKey: context.privateKey,
      logger: context.logger,
      now: this.now,
      backoff: this.backoff,
    };
  }

  async run(): Promise<void> {
    const { logger, signal } = this.context;
    while (!signal.aborted) {
      try {
        await this.turn();
        this.failures = 0;
      } catch (error) {
        if (signal.aborted) {
          break;
        }
        const failure = classifyCloudFailure(error);
        const delayMs = backoffDelay(Math.min(this.failures, 30), this.backoff);
        this.failures += 1;
        logger.warn({ reason: failure.reason, failures: this.failures, retryInMs: delayMs }, 'gateway loop step failed; backing off');
        await this.pause(delayMs);
      }
    }

    await updateRuntimeStatus(this.context.stateDir, (current) => ({ ...current, tasksInProgress: [] }), this.now()).catch((error: unknown) => {
      logger.error({ reason: describeError(error) }, 'cannot update status.json at stop');
    });
    logger.info('gateway stopped');
  }

  /** Runs one turn of the loop: heartbeat when due, outbox, one claim and its task. */
  private async turn(): Promise<void> {
    const { cloud, options, signal } = this.context;

    if (Date.now() >= this.nextHeartbeatAt) {
      await cloud.heartbeat(gatewayReport(GATEWAY_VERSION, this.context.computations));
      this.nextHeartbeatAt = Date.now() + (options.heartbeatIntervalMs ?? 60_000);
      await this.recordContact();
    }

    const report = await deliverPending(this.delivery);
    if (report.unreachable) {
      throw new Error('the cloud is unreachable for deliveries');
    }

    const waitSeconds = Math.min(Math.max(options.claimWaitSeconds ?? MAX_CLAIM_WAIT_SECONDS, 0), MAX_CLAIM_WAIT_SECONDS);
    let task: ClaimedTask | undefined;
    try {
      task = await cloud.claimTask(waitSeconds, signal);
    } catch (error) {
      if (signal.aborted) {
        return;
      }
      throw error;
    }
    await this.recordContact();

    if (task === undefined) {
      await this.pause(options.pollIntervalMs ?? 1000);
      return;
    }
    await this.handleTask(task);
  }

  /** Runs a claimed task with its lease kept alive, then delivers what it queued. */
  private async handleTask(task: ClaimedTask): Promise<void> {
    const { cloud, logger: parentLogger, options, signal, stateDir } = this.context;
    const logger = parentLogger.child({ taskId: task.taskId, jobId: task.jobId, round: task.roundNumber });
    const startedAt = this.now().toISOString();
    logger.info({ computation: task.computation, attempt: task.attempt }, 'task claimed');

    const lease = keepLease(cloud, task, logger);
    const onPhase = async (phase: TaskPhase | 'done') => {
      options.onTaskPhase?.({ taskId: task.taskId, jobId: task.jobId, phase });
      await updateRuntimeStatus(
        stateDir,
        (current) => ({
          ...current,
          tasksInProgress: [
            ...current.tasksInProgress.filter((entry) => entry.taskId !== task.taskId),
            ...(phase === 'done' ? [] : [{ taskId: task.taskId, jobId: task.jobId, phase, startedAt }]),
          ],
        }),
        this.now(),
      );
    };

    try {
      const outcome = await runClaimedTask(
        {
          stateDir,
          fetch: this.context.fetch,
          computations: this.context.computations,
          logger,
          now: this.now,
          signal,
          backoff: this.backoff,
          leaseLostReason: () => lease.lostReason,
          onPhase,
        },
        task,
      );

      if (outcome.kind === 'abandoned') {
        logger.info({ reason: outcome.reason }, 'task abandoned; the cloud reassigns it when its lease expires');
        return;
      }
      // Deliver at once, even when stopping: the result is ready and the lease still held. If the
      // cloud is unreachable the delivery stays in the outbox for the next turn or the next start.
      await onPhase('delivering');
      await deliverPending(this.delivery, { onlyTaskId: task.taskId, ignoreSchedule: true });
    } finally {
      lease.stop();
      await onPhase('done');
    }
  }

  private async recordContact(): Promise<void> {
    const at = this.now();
    await updateRuntimeStatus(this.context.stateDir, (current) => ({ ...current, lastContactAt: at.toISOString() }), at);
  }

  /** Waits, ending early (without error) when the gateway is stopped. */
  private async pause(milliseconds: number): Promise<void> {
    try {
      await systemClock.sleep(milliseconds, this.context.signal);
    } catch (error) {
      if (!this.context.signal.aborted) {
        throw error;
      }
    }
  }
}
