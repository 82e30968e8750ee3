import type { Logger } from 'pino';

import { classifyCloudFailure } from '../cloud/cloud-errors.js';
import type { GatewayCloud } from '../cloud/gateway-cloud.js';

export interface LeaseKeeper {
  /** Set once the cloud reported the lease as gone (expired, reassigned, job finished), so the task must be dropped. */
  readonly lostReason: string | undefined;
  stop(): void;
}

/**
 * Extends a task's lease every `leaseSeconds / 3` while the gateway works on it, so that two
 * heartbeats may fail in a row before the lease runs out. A 409 from the cloud means the lease is
 * lost; the keeper stops and records why. A network failure is logged and retried at the next tick.
 */
export function keepLease(cloud: GatewayCloud, task: { taskId: string; leaseToken: string; leaseSeconds: number }, logger: Logger): LeaseKeeper {
  let lostReason: string | undefined;
  let inFlight = false;

  const intervalMs = Math.max(1000, (task.leaseSeconds * 1000) / 3);
  const timer = setInterval(() => {
    if (inFlight || lostReason !== undefined) {
      return;
    }
    inFlight = true;
    cloud
      .heartbeatTask(task.taskId, task.leaseToken)
      .catch((error: unknown) => {
        const failure = classifyCloudFailure(error);
        if (failure.action === 'drop') {
          lostReason = failure.leaseProblem ?? failure.reason;
          clearInterval(timer);
          logger.warn({ reason: failure.reason }, 'task lease lost; the task is dropped');
        } else {
          logger.warn({ reason: failure.reason }, 'task heartbeat failed; retrying at the next interval');
        }
      })
      .finally(() => {
        inFlight = false;
      });
  }, intervalMs);
  // The keeper must not hold the process open on its own after the runner stopped.
  timer.unref();

  return {
    get lostReason() {
      return lostReason;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
