import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export interface FileLockOptions {
  /** A lock file older than this is taken to be left by a crashed process and removed (default 30 s). */
  staleAfterMs?: number;
  /** How long to wait for another holder before giving up (default 10 s). */
  timeoutMs?: number;
}

/** Lock holders waiting inside this process, per lock path, so they queue instead of polling. */
const inProcessQueues = new Map<string, Promise<unknown>>();

/**
 * Runs `action` while holding an exclusive lock file, so that the CLI and the daemon never append
 * to the same state file at once. The lock is a file created with O_EXCL that holds the owner's pid.
 */
export async function withFileLock<T>(lockPath: string, action: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const previous = inProcessQueues.get(lockPath) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => withLockFile(lockPath, action, options));
  const settled = run.catch(() => undefined);
  inProcessQueues.set(lockPath, settled);
  try {
    return await run;
  } finally {
    if (inProcessQueues.get(lockPath) === settled) {
      inProcessQueues.delete(lockPath);
    }
  }
}

async function withLockFile<T>(lockPath: string, action: () => Promise<T>, options: FileLockOptions): Promise<T> {
  const staleAfterMs = options.staleAfterMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const startedAt = Date.now();
  await mkdir(dirname(lockPath), { recursive: true, mode: 0o700 });

  for (let attempt = 0; ; attempt += 1) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }

    if (await isStale(lockPath, staleAfterMs)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() - startedAt > timeoutMs) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for the lock ${lockPath}; ` +
          'if no other gateway process is running, delete that file',
      );
    }
    await delay(Math.min(10 * 2 ** attempt, 200));
  }

  try {
    return await action();
  } finally {
    await rm(lockPath, { force: true });
  }
}

async function isStale(lockPath: string, staleAfterMs: number): Promise<boolean> {
  try {
    const { mtimeMs } = await stat(lockPath);
    return Date.now() - mtimeMs > staleAfterMs;
  } catch (error) {
    // The holder released the lock between our open and stat: try again at once.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return true;
    }
    throw error;
  }
}
