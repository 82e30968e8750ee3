import { InvalidBlobKeyError } from './errors.js';

// S3 caps object keys at 1,024 bytes. Segments stay below the 255-byte file name limit of
// common filesystems (ext4, APFS, NTFS) with room for the suffixes the filesystem store adds.
export const MAX_BLOB_KEY_LENGTH = 1024;
export const MAX_BLOB_KEY_SEGMENT_LENGTH = 200;

// Letters, digits, dot, underscore and hyphen need no escaping in URLs, S3 keys or file names.
const SEGMENT_PATTERN = /^[A-Za-z0-9._-]+$/;

/**
 * Throws `InvalidBlobKeyError` unless the key is a relative path such as
 * `org_x/jobs/job_y/rounds/3/tasks/tsk_z/update.safetensors`: segments of
 * `[A-Za-z0-9._-]` joined by single slashes, no `.` or `..` segment, at most 1,024 characters.
 */
export function validateBlobKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidBlobKeyError(String(key), 'a key must be a non-empty string');
  }

  if (key.length > MAX_BLOB_KEY_LENGTH) {
    throw new InvalidBlobKeyError(key, `the key has ${key.length} characters, the maximum is ${MAX_BLOB_KEY_LENGTH}`);
  }

  if (key.startsWith('/')) {
    throw new InvalidBlobKeyError(key, 'a key must be relative, so remove the leading "/"');
  }

  for (const segment of key.split('/')) {
    if (segment.length === 0) {
      throw new InvalidBlobKeyError(key, 'the key has an empty segment (a trailing "/" or "//")');
    }

    if (segment === '.' || segment === '..') {
      throw new InvalidBlobKeyError(key, `the segment "${segment}" is not allowed`);
    }

    if (segment.length > MAX_BLOB_KEY_SEGMENT_LENGTH) {
      throw new InvalidBlobKeyError(
        key,
        `a segment has ${segment.length} characters, the maximum is ${MAX_BLOB_KEY_SEGMENT_LENGTH}`,
      );
    }

    if (!SEGMENT_PATTERN.test(segment)) {
      throw new InvalidBlobKeyError(key, 'use only letters, digits, ".", "_", "-" and "/" between segments');
    }
  }
}
