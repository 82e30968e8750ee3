import { createHash } from 'node:crypto';

import { BlobTransferError } from './cloud-errors.js';
import type { PresignedRequest, UploadTarget } from './claimed-task.js';
import type { FetchFunction } from './gateway-cloud.js';

/**
 * Downloads a blob through a presigned GET and checks its SHA-256 before returning it, so a
 * truncated or substituted download never reaches a computation.
 */
export async function downloadBlob(fetch: FetchFunction, request: PresignedRequest, expectedSha256: string): Promise<Uint8Array> {
  const response = await send(fetch, new Request(request.url, { method: 'GET', headers: request.headers }), 'download');
  const bytes = new Uint8Array(await response.arrayBuffer());
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== expectedSha256) {
    throw new BlobTransferError(`the downloaded global tensors have SHA-256 ${sha256}, not the announced ${expectedSha256}, so the download is incomplete or altered`, undefined);
  }
  return bytes;
}

/**
 * Uploads bytes to an upload target: one PUT, or one PUT per part. Returns the parts' ETags for
 * `tasks.completeUpload` (empty for a single PUT).
 */
export async function uploadBlob(fetch: FetchFunction, target: UploadTarget, bytes: Uint8Array): Promise<{ partNumber: number; etag: string }[]> {
  if (target.kind === 'single') {
    await send(fetch, new Request(target.request.url, { method: 'PUT', headers: target.request.headers, body: bytes }), 'upload');
    return [];
  }

  const parts: { partNumber: number; etag: string }[] = [];
  for (const part of target.parts) {
    if (part.end > bytes.byteLength || part.start >= part.end) {
      throw new BlobTransferError(`upload part ${part.partNumber} covers bytes ${part.start}-${part.end} of a ${bytes.byteLength}-byte update; request a new upload URL`, undefined);
    }
    const response = await send(fetch, new Request(part.url, { method: 'PUT', body: bytes.subarray(part.start, part.end) }), `upload of part ${part.partNumber}`);
    const etag = response.headers.get('etag');
    if (etag === null) {
      throw new BlobTransferError(`the blob store returned no ETag for part ${part.partNumber}`, response.status);
    }
    parts.push({ partNumber: part.partNumber, etag });
  }
  return parts;
}

async function send(fetch: FetchFunction, request: Request, what: string): Promise<Response> {
  const host = new URL(request.url).host;
  let response: Response;
  try {
    response = await fetch(request);
  } catch (error) {
    throw new BlobTransferError(`${what} to ${host} failed: ${(error as Error).message}`, undefined, { cause: error });
  }
  if (!response.ok) {
    // An error body (S3's XML or the local store's JSON problem) names the failure. Its first 300
    // characters are enough for the log and keep a misbehaving server from flooding it.
    const detail = (await response.text()).slice(0, 300);
    throw new BlobTransferError(`${what} to ${host} returned HTTP ${response.status}: ${detail}`, response.status);
  }
  return response;
}
