import type { CompletedPart } from './blob-store.js';
import { InvalidBlobRequestError } from './errors.js';

// Limits shared by both stores. They are S3's, so a request that works locally also works on
// AWS: presigned URLs live at most 7 days (SigV4), a single PUT carries at most 5 GiB, and a
// multipart upload has at most 10,000 parts.
export const MAX_PRESIGN_EXPIRY_SECONDS = 7 * 24 * 60 * 60;
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;
export const MAX_MULTIPART_PARTS = 10_000;

// type "/" subtype, then optional parameters; no control characters, so the value is safe in a header.
const CONTENT_TYPE_PATTERN =
  /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+([ \t]*;[ \t]*[A-Za-z0-9!#$&^_.+-]+=([A-Za-z0-9!#$&^_.+-]+|"[ !#-~]*"))*$/;
const MAX_CONTENT_TYPE_LENGTH = 255;

export function validateExpiresInSeconds(expiresInSeconds: number): void {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGN_EXPIRY_SECONDS) {
    throw new InvalidBlobRequestError(
      `Invalid expiresInSeconds ${String(expiresInSeconds)}: use a whole number of seconds from 1 to ${MAX_PRESIGN_EXPIRY_SECONDS} (7 days).`,
    );
  }
}

export function validateContentLength(contentLength: number): void {
  if (!Number.isSafeInteger(contentLength) || contentLength < 0 || contentLength > MAX_SINGLE_PUT_BYTES) {
    throw new InvalidBlobRequestError(
      `Invalid contentLength ${String(contentLength)}: use a whole number of bytes from 0 to ${MAX_SINGLE_PUT_BYTES} (5 GiB), ` +
        'and a multipart upload for larger bodies.',
    );
  }
}

export function validateContentType(contentType: string): void {
  if (
    typeof contentType !== 'string' ||
    contentType.length > MAX_CONTENT_TYPE_LENGTH ||
    !CONTENT_TYPE_PATTERN.test(contentType)
  ) {
    throw new InvalidBlobRequestError(
      `Invalid contentType ${JSON.stringify(contentType)}: use a media type such as "application/octet-stream".`,
    );
  }
}

export function validatePartCount(partCount: number): void {
  if (!Number.isInteger(partCount) || partCount < 1 || partCount > MAX_MULTIPART_PARTS) {
    throw new InvalidBlobRequestError(
      `Invalid partCount ${String(partCount)}: use a whole number from 1 to ${MAX_MULTIPART_PARTS}.`,
    );
  }
}

/**
 * Checks that the parts are numbered 1 to n in ascending order without gaps, each with an ETag,
 * and returns them with the ETags' double quotes removed. A gap would silently drop bytes from
 * the middle of the blob, so it is rejected here rather than left to the storage.
 */
export function normalizeCompletedParts(parts: CompletedPart[]): CompletedPart[] {
  if (!Array.isArray(parts) || parts.length === 0) {
    throw new InvalidBlobRequestError('Invalid parts: list at least one uploaded part with its ETag.');
  }

  if (parts.length > MAX_MULTIPART_PARTS) {
    throw new InvalidBlobRequestError(`Invalid parts: ${parts.length} listed, the maximum is ${MAX_MULTIPART_PARTS}.`);
  }

  return parts.map((part, index) => {
    const expectedNumber = index + 1;

    if (part.partNumber !== expectedNumber) {
      throw new InvalidBlobRequestError(
        `Invalid parts: part ${expectedNumber} is missing (found part number ${String(part.partNumber)} at position ${expectedNumber}). ` +
          'List every part from 1 in ascending order.',
      );
    }

    const etag = typeof part.etag === 'string' ? part.etag.replaceAll('"', '').trim() : '';
    if (etag.length === 0) {
      throw new InvalidBlobRequestError(
        `Invalid parts: part ${expectedNumber} has no ETag. Pass the ETag header returned by the part's PUT.`,
      );
    }

    return { partNumber: expectedNumber, etag };
  });
}
