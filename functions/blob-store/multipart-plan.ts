import { MAX_MULTIPART_PARTS } from './request-options.js';

const MiB = 1024 * 1024;

/** Bodies larger than this go through a multipart upload, so a dropped connection loses one part. */
export const MULTIPART_THRESHOLD_BYTES = 8 * MiB;

/** Default part size; S3 requires at least 5 MiB for every part but the last. */
export const MULTIPART_PART_SIZE_BYTES = 8 * MiB;

/** S3's minimum for every part except the last, which the filesystem store enforces too. */
export const MIN_MULTIPART_PART_BYTES = 5 * MiB;

export interface MultipartPlan {
  partSizeBytes: number;
  partCount: number;
  /** Byte range of each part, `end` exclusive, for slicing the body. */
  parts: Array<{ partNumber: number; start: number; end: number }>;
}

/**
 * Splits a body of `sizeBytes` into parts of 8 MiB, or larger parts (whole MiB) when 8 MiB
 * would need more than 10,000 parts. The last part contains the remainder.
 */
export function planMultipartUpload(sizeBytes: number): MultipartPlan {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 1) {
    throw new RangeError(`Invalid body size ${String(sizeBytes)}: a multipart upload needs at least 1 byte.`);
  }

  const minimumPartSize = Math.ceil(sizeBytes / MAX_MULTIPART_PARTS / MiB) * MiB;
  const partSizeBytes = Math.max(MULTIPART_PART_SIZE_BYTES, minimumPartSize);
  const partCount = Math.ceil(sizeBytes / partSizeBytes);

  const parts = Array.from({ length: partCount }, (_, index) => ({
    partNumber: index + 1,
    start: index * partSizeBytes,
    end: Math.min((index + 1) * partSizeBytes, sizeBytes),
  }));

  return { partSizeBytes, partCount, parts };
}
