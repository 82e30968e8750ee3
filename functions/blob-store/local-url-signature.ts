import { createHmac, timingSafeEqual } from 'node:crypto';

// Presigned URLs of the filesystem store: the query carries the expiry and an HMAC-SHA256 over
// everything the holder may do with the URL, so changing the method, key, expiry, length or part
// invalidates it. The route under /blobs verifies it with the same secret.

export const LOCAL_BLOB_ROUTE_PREFIX = '/blobs';

// Bump when the signed fields change, so URLs signed by an older build stop verifying.
const SIGNATURE_VERSION = 'onsite-blob-url-v1';

// 32 characters of a random hex or base64 string carry at least 128 bits.
export const MIN_SECRET_LENGTH = 32;

/** Permission carried by one presigned URL: method, key, expiry, and optionally a body length or a part. */
export interface LocalBlobGrant {
  method: 'PUT' | 'GET';
  key: string;
  /** Unix time in seconds after which the URL is rejected. */
  expiresAtSeconds: number;
  /** Exact body length in bytes, when the signer fixed it. */
  contentLength?: number;
  uploadId?: string;
  partNumber?: number;
}

export function validateSigningSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new Error(
      `Invalid blob URL secret: it has ${typeof secret === 'string' ? secret.length : 0} characters, ` +
        `at least ${MIN_SECRET_LENGTH} are needed. Generate one with \`openssl rand -hex 32\`.`,
    );
  }
}

function canonicalGrant(grant: LocalBlobGrant): string {
  return [
    SIGNATURE_VERSION,
    grant.method,
    grant.key,
    String(grant.expiresAtSeconds),
    grant.contentLength === undefined ? '' : String(grant.contentLength),
    grant.uploadId ?? '',
    grant.partNumber === undefined ? '' : String(grant.partNumber),
  ].join('\n');
}

export function signLocalBlobGrant(grant: LocalBlobGrant, secret: string): string {
  return createHmac('sha256', secret).update(canonicalGrant(grant)).digest('base64url');
}

/** Compares in constant time, so response timing does not reveal how much of a guess was right. */
export function verifyLocalBlobSignature(grant: LocalBlobGrant, signature: string, secret: string): boolean {
  const expected = Buffer.from(signLocalBlobGrant(grant, secret), 'base64url');
  const provided = Buffer.from(signature, 'base64url');

  if (provided.length !== expected.length) {
    return false;
  }

  return timingSafeEqual(provided, expected);
}

/** Builds `<publicBaseUrl>/blobs/<key>?expires=…&signature=…` with the optional fields before the signature. */
export function buildLocalBlobUrl(publicBaseUrl: string, grant: LocalBlobGrant, secret: string): string {
  const base = publicBaseUrl.replace(/\/+$/, '');
  const path = grant.key.split('/').map(encodeURIComponent).join('/');
  const query = new URLSearchParams();

  query.set('expires', String(grant.expiresAtSeconds));
  if (grant.contentLength !== undefined) {
    query.set('contentLength', String(grant.contentLength));
  }
  if (grant.uploadId !== undefined) {
    query.set('uploadId', grant.uploadId);
  }
  if (grant.partNumber !== undefined) {
    query.set('partNumber', String(grant.partNumber));
  }
  query.set('signature', signLocalBlobGrant(grant, secret));

  return `${base}${LOCAL_BLOB_ROUTE_PREFIX}/${path}?${query.toString()}`;
}

const DECIMAL_PATTERN = /^(0|[1-9][0-9]{0,15})$/;

function parseDecimal(value: string | undefined): number | undefined | null {
  if (value === undefined) {
    return undefined;
  }
  return DECIMAL_PATTERN.test(value) ? Number(value) : null;
}

export type ParsedLocalBlobQuery =
  | { ok: true; grant: LocalBlobGrant; signature: string }
  | { ok: false; reason: string };

/**
 * Reads the grant that a request claims from its query. The result still has to pass
 * `verifyLocalBlobSignature` before anything in it is trusted.
 */
export function parseLocalBlobQuery(
  method: 'PUT' | 'GET',
  key: string,
  query: Record<string, string | undefined>,
): ParsedLocalBlobQuery {
  const signature = query.signature;
  if (signature === undefined || signature.length === 0) {
    return { ok: false, reason: 'the URL has no signature; request a presigned URL from the API' };
  }

  const expiresAtSeconds = parseDecimal(query.expires);
  if (expiresAtSeconds === undefined || expiresAtSeconds === null) {
    return { ok: false, reason: 'the URL has no valid "expires" parameter; request a presigned URL from the API' };
  }

  const contentLength = parseDecimal(query.contentLength);
  const partNumber = parseDecimal(query.partNumber);
  if (contentLength === null || partNumber === null) {
    return { ok: false, reason: 'the URL has a malformed "contentLength" or "partNumber" parameter' };
  }

  const uploadId = query.uploadId;
  if ((uploadId === undefined) !== (partNumber === undefined)) {
    return { ok: false, reason: 'a part URL needs both "uploadId" and "partNumber"' };
  }

  const grant: LocalBlobGrant = { method, key, expiresAtSeconds };
  if (contentLength !== undefined) {
    grant.contentLength = contentLength;
  }
  if (uploadId !== undefined && partNumber !== undefined) {
    grant.uploadId = uploadId;
    grant.partNumber = partNumber;
  }

  return { ok: true, grant, signature };
}
