import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Default file mode: the state folder contains hospital metadata, so only the owner may read it. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Replaces a file's content atomically and durably: writes a temporary file in the same folder,
 * flushes it to disk, renames it over the target and flushes the folder. A crash at any point
 * leaves either the old content or the new one, never a mix. Missing parent folders are created
 * with mode 0700.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const temporaryPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });

  const handle = await open(temporaryPath, 'wx', options.mode ?? PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporaryPath, { force: true });
    throw error;
  }
  await handle.close();

  try {
    await rename(temporaryPath, path);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** Writes a value as indented JSON with a final line break, atomically. */
export async function writeJsonAtomic(path: string, value: unknown, options: { mode?: number } = {}): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, options);
}

/**
 * Flushes a folder's entries (a rename or an unlink) to disk. Windows cannot open a folder for
 * syncing, so there the call does nothing and durability rests on the file system.
 */
export async function syncDirectory(path: string): Promise<void> {
  if (process.platform === 'win32') {
    return;
  }
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Returns whether a name is a temporary file left by an interrupted `writeFileAtomic`. */
export function isTemporaryFileName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}
