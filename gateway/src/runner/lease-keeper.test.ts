import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { ApiProblemError } from '../cloud/api-client.js';
import type { GatewayCloud } from '../cloud/gateway-cloud.js';
import { keepLease } from './lease-keeper.js';

const TASK = { taskId: 'tsk_lease', leaseToken: 'lease-token-0123456789', leaseSeconds: 60 };

function cloudWith(heartbeatTask: GatewayCloud['heartbeatTask']): GatewayCloud {
  const unused = () => Promise.reject(new Error('not used by the lease keeper'));
  return { heartbeat: unused, claimTask: unused, heartbeatTask, createUploadUrl: unused, completeUpload: unused, submitResult: unused, refuseTask: unused };
}

function leaseConflict(problem: string): ApiProblemError {
  return new ApiProblemError(new Response(null, { status: 409 }), {
    code: 'conflict',
    status: 409,
    title: 'Conflict',
    type: 'about:blank',
    detail: `the lease on task ${TASK.taskId} ended`,
    errors: [{ path: 'body.leaseToken', message: problem }],
  });
}

describe('keepLease', () => {
  const logger = pino({ level: 'silent' });

  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('heartbeats every third of the lease', async () => {
    const heartbeat = vi.fn(() => Promise.resolve());
    const keeper = keepLease(cloudWith(heartbeat), TASK, logger);

    await vi.advanceTimersByTimeAsync(19_999);
    expect(heartbeat).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(heartbeat).toHaveBeenCalledWith(TASK.taskId, TASK.leaseToken);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(heartbeat).toHaveBeenCalledTimes(3);

    keeper.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(heartbeat).toHaveBeenCalledTimes(3);
    expect(keeper.lostReason).toBeUndefined();
  });

  it('keeps trying after a network failure', async () => {
    const heartbeat = vi.fn().mockRejectedValueOnce(new TypeError('fetch failed')).mockResolvedValue(undefined);
    const keeper = keepLease(cloudWith(heartbeat), TASK, logger);

    await vi.advanceTimersByTimeAsync(40_000);

    expect(heartbeat).toHaveBeenCalledTimes(2);
    expect(keeper.lostReason).toBeUndefined();
    keeper.stop();
  });

  it('records a lost lease and stops heartbeating', async () => {
    const heartbeat = vi.fn(() => Promise.reject(leaseConflict('lease_reassigned')));
    const keeper = keepLease(cloudWith(heartbeat), TASK, logger);

    await vi.advanceTimersByTimeAsync(60_000);

    expect(keeper.lostReason).toBe('lease_reassigned');
    expect(heartbeat).toHaveBeenCalledTimes(1);
  });
});
