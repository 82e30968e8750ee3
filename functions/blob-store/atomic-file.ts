import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobLengthMismatchError, BlobTooLargeError } from './errors.js';

export interface AtomicWriteOptions {
  /** Folder for the temporary file; it must be on the same filesystem as the target, so rename is atomic. */
  tempDirectory: string;
  /** Rejects the body with `BlobTooLargeError` as soon as it passes this many bytes. */
  maxBytes?: number;
  /** Rejects the body with `BlobLengthMismatchError` unless it has exactly this many bytes. */
  expectedBytes?: number;
  /** Creates the target's folder when missing; off for targets whose folder must already exist. */
  createParentDirectory?: boolean;
}

export interface AtomicWriteResult {
  size: number;
  sha256: string;
}

/**
 * Streams the source into a temporary file, syncs it and renames it over the target, so readers
 * see either the old file or the whole new one. The source is never held whole in memory. On
 * any error the temporary file is removed and the target is left as it was.
 */
export async function writeFileAtomically(
  targetPath: string,
  source: Readable,
  options: AtomicWriteOptions,
): Promise<AtomicWriteResult> {
  const tempPath = join(options.tempDirectory, `${randomUUID()}.tmp`);
  const hash = createHash('sha256');
  let size = 0;

  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;

      if (options.maxBytes !== undefined && size > options.maxBytes) {
        callback(new BlobTooLargeError(options.maxBytes));
        return;
      }
      if (options.expectedBytes !== undefined && size > options.expectedBytes) {
        callback(new BlobLengthMismatchError(options.expectedBytes, size));
        return;
      }

      hash.update(chunk);
      callback(null, chunk);
    },
  });

  await mkdir(options.tempDirectory, { recursive: true });

  try {
    await pipeline(source, meter, createWriteStream(tempPath, { flags: 'wx' }));

    if (options.expectedBytes !== undefined && size !== options.expectedBytes) {
      throw new BlobLengthMismatchError(options.expectedBytes, size);
    }

    // Flush the data to disk before the rename makes it visible, so a crash cannot leave an empty target.
    const handle = await open(tempPath, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }

    if (options.createParentDirectory !== false) {
      await mkdir(dirname(targetPath), { recursive: true });
    }
    await rename(tempPath, targetPath);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }

  return { size, sha256: hash.digest('hex') };
}
