import { z } from 'zod';

import { writeJsonAtomic } from './atomic-write.js';
import { parseStateFile, readOptionalJson } from './config.js';
import { withFileLock } from './file-lock.js';
import { statePaths } from './state-dir.js';

/** The daemon's activity, stored in `status.json` for `onsite-gateway status` to read. */
export const runtimeStatusSchema = z
  .object({
    /** Process id of the daemon that last wrote the file. */
    pid: z.number().int().positive().optional(),
    startedAt: z.iso.datetime().optional(),
    /** Last successful request to the cloud. */
    lastContactAt: z.iso.datetime().optional(),
    tasksInProgress: z
      .array(
        z
          .object({
            taskId: z.string().min(1),
            jobId: z.string().min(1).optional(),
            /** Step the task is in, for example `loading`, `training`, `uploading`. */
            phase: z.string().min(1),
            startedAt: z.iso.datetime(),
          })
          .strict(),
      )
      .default([]),
    updatedAt: z.iso.datetime().optional(),
  })
  .strict();
export type RuntimeStatus = z.infer<typeof runtimeStatusSchema>;

/** Reads `status.json`; an absent file means the daemon never ran. */
export async function readRuntimeStatus(stateDir: string): Promise<RuntimeStatus> {
  const path = statePaths(stateDir).runtimeStatus;
  return parseStateFile(runtimeStatusSchema, (await readOptionalJson(path)) ?? {}, path);
}

/**
 * Applies a change to `status.json` under a lock file and returns the new status. Writers that go
 * through this function (the poll loop and each task) therefore never lose each other's update.
 */
export async function updateRuntimeStatus(
  stateDir: string,
  change: (current: RuntimeStatus) => RuntimeStatus,
  now: Date = new Date(),
): Promise<RuntimeStatus> {
  const path = statePaths(stateDir).runtimeStatus;
  return withFileLock(`${path}.lock`, async () => {
    const next = runtimeStatusSchema.parse({ ...change(await readRuntimeStatus(stateDir)), updatedAt: now.toISOString() });
    await writeJsonAtomic(path, next);
    return next;
  });
}
