import { createHash, randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { z } from 'zod';

import { isTemporaryFileName, syncDirectory, writeJsonAtomic } from './atomic-write.js';
import { readOptionalJson, StateFileError } from './config.js';
import { statePaths } from './state-dir.js';

/**
 * The outbox: results computed on the site but not yet acknowledged by the cloud. Each pending
 * delivery is one JSON file in `outbox/`, written atomically, so a delivery survives a crash or a
 * restart. It is removed only by `acknowledgeDelivery`, after the cloud confirmed receipt.
 */

const DELIVERY_ID_PATTERN = /^dlv_[0-9a-z]+$/;

export const pendingDeliverySchema = z
  .object({
    id: z.string().regex(DELIVERY_ID_PATTERN),
    /** Kind of result, for example `task_result`, interpreted by the runner. */
    kind: z.string().min(1),
    taskId: z.string().min(1).optional(),
    createdAt: z.iso.datetime(),
    attempts: z.number().int().min(0),
    lastAttemptAt: z.iso.datetime().optional(),
    /** Message of the last failed attempt, for `status`; never contains the payload. */
    lastError: z.string().optional(),
    /** Earliest time of the next attempt, set from the backoff after a failure. */
    nextAttemptAt: z.iso.datetime().optional(),
    payload: z.unknown(),
  })
  .strict();
export type PendingDelivery = z.infer<typeof pendingDeliverySchema>;

export interface NewDelivery {
  kind: string;
  taskId?: string;
  /**
   * Makes enqueueing idempotent: a second delivery with the same key returns the first one
   * unchanged, so a runner restarted mid-task does not queue the same result twice.
   */
  key?: string;
  payload: unknown;
}

/** Queues a result for delivery and returns it; the file is on disk when the promise resolves. */
export async function enqueueDelivery(stateDir: string, delivery: NewDelivery, now: Date = new Date()): Promise<PendingDelivery> {
  const id =
    delivery.key === undefined
      ? `dlv_${now.getTime().toString(36)}${randomBytes(8).toString('hex')}`
      : `dlv_${createHash('sha256').update(delivery.key).digest('hex').slice(0, 32)}`;

  const existing = await readDelivery(stateDir, id);
  if (existing !== undefined) {
    return existing;
  }

  const pending: PendingDelivery = {
    id,
    kind: delivery.kind,
    ...(delivery.taskId === undefined ? {} : { taskId: delivery.taskId }),
    createdAt: now.toISOString(),
    attempts: 0,
    payload: delivery.payload,
  };
  await writeJsonAtomic(deliveryPath(stateDir, id), pendingDeliverySchema.parse(pending));
  return pending;
}

export interface PendingDeliveryList {
  /** Deliveries oldest first. */
  deliveries: PendingDelivery[];
  /** Files in the outbox that could not be read; they stay in place for the operator to inspect. */
  unreadable: { file: string; reason: string }[];
}

/** Lists the deliveries still waiting for an acknowledgement, oldest first. */
export async function listPendingDeliveries(stateDir: string): Promise<PendingDeliveryList> {
  const outbox = statePaths(stateDir).outbox;

  let names: string[];
  try {
    names = await readdir(outbox);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { deliveries: [], unreadable: [] };
    }
    throw error;
  }

  const deliveries: PendingDelivery[] = [];
  const unreadable: PendingDeliveryList['unreadable'] = [];
  for (const name of names.sort()) {
    // Temporary files are writes that a crash interrupted; the delivery they carried was never
    // acknowledged as queued, so they are ignored.
    if (isTemporaryFileName(name) || !name.endsWith('.json')) {
      continue;
    }
    try {
      const delivery = await readDelivery(stateDir, name.slice(0, -'.json'.length));
      if (delivery !== undefined) {
        deliveries.push(delivery);
      }
    } catch (error) {
      unreadable.push({ file: join(outbox, name), reason: (error as Error).message });
    }
  }

  deliveries.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  return { deliveries, unreadable };
}

/** Records a failed delivery attempt (and when to try again) and returns the updated entry. */
export async function recordDeliveryAttempt(
  stateDir: string,
  id: string,
  attempt: { error: string; nextAttemptAt?: Date },
  now: Date = new Date(),
): Promise<PendingDelivery> {
  const delivery = await readDelivery(stateDir, id);
  if (delivery === undefined) {
    throw new StateFileError(`pending delivery ${id} not found in the outbox; it may have been acknowledged already`);
  }

  const updated: PendingDelivery = {
    ...delivery,
    attempts: delivery.attempts + 1,
    lastAttemptAt: now.toISOString(),
    lastError: attempt.error,
  };
  if (attempt.nextAttemptAt === undefined) {
    delete updated.nextAttemptAt;
  } else {
    updated.nextAttemptAt = attempt.nextAttemptAt.toISOString();
  }
  await writeJsonAtomic(deliveryPath(stateDir, id), updated);
  return updated;
}

/**
 * Removes a delivery after the cloud acknowledged it. Returns false when it was already gone,
 * so that acknowledging twice is harmless.
 */
export async function acknowledgeDelivery(stateDir: string, id: string): Promise<boolean> {
  const path = deliveryPath(stateDir, id);
  const existed = (await readOptionalJson(path)) !== undefined;
  await rm(path, { force: true });
  await syncDirectory(statePaths(stateDir).outbox);
  return existed;
}

async function readDelivery(stateDir: string, id: string): Promise<PendingDelivery | undefined> {
  const path = deliveryPath(stateDir, id);
  const content = await readOptionalJson(path);
  if (content === undefined) {
    return undefined;
  }
  const result = pendingDeliverySchema.safeParse(content);
  if (!result.success) {
    throw new StateFileError(`${path} is not a valid pending delivery: ${result.error.issues[0]?.message}`);
  }
  return result.data;
}

function deliveryPath(stateDir: string, id: string): string {
  if (!DELIVERY_ID_PATTERN.test(id)) {
    throw new StateFileError(`invalid delivery id "${id}"; ids look like dlv_0123abc`);
  }
  return join(statePaths(stateDir).outbox, `${id}.json`);
}
