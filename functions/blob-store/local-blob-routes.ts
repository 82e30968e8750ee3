import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Hono, type Context } from 'hono';
import { validateBlobKey } from './blob-key.js';
import {
  BlobLengthMismatchError,
  BlobNotFoundError,
  BlobTooLargeError,
  InvalidBlobRequestError,
  MultipartUploadNotFoundError,
} from './errors.js';
import type { FsBlobStore } from './fs-blob-store.js';
import {
  parseLocalBlobQuery,
  validateSigningSecret,
  verifyLocalBlobSignature,
  type LocalBlobGrant,
} from './local-url-signature.js';

export const DEFAULT_MAX_BODY_BYTES = 512 * 1024 * 1024;

export interface LocalBlobRoutesOptions {
  /** The same secret the store signs with. */
  secret: string;
  /** Largest accepted upload body in bytes; defaults to 512 MiB. Larger bodies get 413 Content Too Large. */
  maxBodyBytes?: number;
  /** Clock for URL expiry; defaults to the system clock. */
  now?: () => Date;
  /** Receives one warning per rejected request (pino's `warn(fields, message)` fits); none by default. */
  logger?: BlobRouteLogger;
}

export interface BlobRouteLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

// RFC 9457 problem types of these routes.
const PROBLEMS = {
  forbidden: { type: 'urn:onsite:problem:blob-url-forbidden', title: 'Presigned URL rejected', status: 403 },
  notFound: { type: 'urn:onsite:problem:blob-not-found', title: 'Blob not found', status: 404 },
  uploadNotFound: { type: 'urn:onsite:problem:multipart-upload-not-found', title: 'Multipart upload not found', status: 404 },
  methodNotAllowed: { type: 'urn:onsite:problem:method-not-allowed', title: 'Method not allowed', status: 405 },
  tooLarge: { type: 'urn:onsite:problem:blob-too-large', title: 'Upload body too large', status: 413 },
  invalid: { type: 'urn:onsite:problem:invalid-blob-request', title: 'Invalid blob request', status: 400 },
} as const;

type Problem = (typeof PROBLEMS)[keyof typeof PROBLEMS];

function problemResponse(c: Context, problem: Problem, detail: string, logger?: BlobRouteLogger): Response {
  // Keys are built from organization, job and task ids. The query is left out because it contains the signature.
  logger?.warn(
    { method: c.req.method, key: c.req.param('key'), status: problem.status, problemType: problem.type, detail },
    'blob request rejected',
  );

  return c.body(JSON.stringify({ ...problem, detail }), problem.status, {
    'content-type': 'application/problem+json',
  });
}

/** Maps the store's errors to problems; anything else propagates to the API's error handler. */
function storeErrorResponse(c: Context, error: unknown, logger?: BlobRouteLogger): Response {
  if (error instanceof BlobTooLargeError) {
    return problemResponse(c, PROBLEMS.tooLarge, error.message, logger);
  }
  if (error instanceof BlobNotFoundError) {
    return problemResponse(c, PROBLEMS.notFound, error.message, logger);
  }
  if (error instanceof MultipartUploadNotFoundError) {
    return problemResponse(c, PROBLEMS.uploadNotFound, error.message, logger);
  }
  if (error instanceof InvalidBlobRequestError) {
    return problemResponse(c, PROBLEMS.invalid, error.message, logger);
  }
  throw error;
}

function requestBodyStream(c: Context): Readable {
  const body = c.req.raw.body;
  if (body === null) {
    return Readable.from([]);
  }
  return Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
}

/**
 * Builds the Hono sub-app that serves the filesystem store's presigned URLs. Mount it with
 * `app.route('/blobs', createLocalBlobRoutes(store, { secret }))`: `PUT /blobs/<key>` stores a
 * blob or a multipart part, `GET /blobs/<key>` streams a blob back. Every request needs a valid,
 * unexpired signature, and upload bodies stream to disk under the size limit.
 */
export function createLocalBlobRoutes(store: FsBlobStore, options: LocalBlobRoutesOptions): Hono {
  validateSigningSecret(options.secret);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new Error(`Invalid maxBodyBytes ${String(maxBodyBytes)}: use a positive whole number of bytes.`);
  }
  const now = options.now ?? (() => new Date());
  const logger = options.logger;

  /** Returns the verified grant, or the 403 response that rejects the request. */
  function authorize(c: Context, method: 'PUT' | 'GET'): LocalBlobGrant | Response {
    const key = c.req.param('key') ?? '';
    const parsed = parseLocalBlobQuery(method, key, c.req.query());

    if (!parsed.ok) {
      return problemResponse(c, PROBLEMS.forbidden, `Presigned URL rejected: ${parsed.reason}.`, logger);
    }

    // A URL signed for another method, key, length or part fails here too, because all of them are signed.
    if (!verifyLocalBlobSignature(parsed.grant, parsed.signature, options.secret)) {
      return problemResponse(
        c,
        PROBLEMS.forbidden,
        `Presigned URL rejected: the signature does not match this ${method} request for "${key}". ` +
          'Use the URL exactly as the API returned it, with the method it was signed for.',
        logger,
      );
    }

    const nowSeconds = Math.floor(now().getTime() / 1000);
    if (nowSeconds > parsed.grant.expiresAtSeconds) {
      const expiredAt = new Date(parsed.grant.expiresAtSeconds * 1000).toISOString();
      return problemResponse(
        c,
        PROBLEMS.forbidden,
        `Presigned URL rejected: it expired at ${expiredAt}. Request a new URL from the API.`,
        logger,
      );
    }

    return parsed.grant;
  }

  const app = new Hono();

  app.put('/:key{.+}', async function putBlob(c) {
    const grant = authorize(c, 'PUT');
    if (grant instanceof Response) {
      return grant;
    }

    try {
      validateBlobKey(grant.key);

      // Reject from the declared length before reading a byte; the stream is still counted,
      // because a chunked body declares no length.
      const declaredLength = c.req.header('content-length');
      if (declaredLength !== undefined) {
        const declaredBytes = Number(declaredLength);
        if (declaredBytes > maxBodyBytes) {
          throw new BlobTooLargeError(maxBodyBytes);
        }
        if (grant.contentLength !== undefined && declaredBytes !== grant.contentLength) {
          throw new BlobLengthMismatchError(grant.contentLength, declaredBytes);
        }
      }

      const limits = { maxBytes: maxBodyBytes, expectedBytes: grant.contentLength };
      const body = requestBodyStream(c);

      if (grant.uploadId !== undefined && grant.partNumber !== undefined) {
        const part = await store.writePartStream(grant.key, grant.uploadId, grant.partNumber, body, limits);
        return c.body(null, 200, { etag: `"${part.etag}"` });
      }

      const contentType = c.req.header('content-type');
      const written = await store.writeBlobStream(grant.key, body, { ...limits, contentType });
      return c.body(null, 200, { etag: `"${written.sha256}"` });
    } catch (error) {
      return storeErrorResponse(c, error, logger);
    }
  });

  app.get('/:key{.+}', async function getBlob(c) {
    const grant = authorize(c, 'GET');
    if (grant instanceof Response) {
      return grant;
    }

    try {
      const blob = await store.openBlobStream(grant.key);
      const headers = { 'content-type': blob.contentType, 'content-length': String(blob.size) };

      // Hono routes HEAD here and drops the body, so close the file instead of leaving it to the garbage collector.
      if (c.req.method === 'HEAD') {
        blob.stream.destroy();
        return c.body(null, 200, headers);
      }

      return c.body(Readable.toWeb(blob.stream) as ReadableStream<Uint8Array>, 200, headers);
    } catch (error) {
      return storeErrorResponse(c, error, logger);
    }
  });

  app.all('/:key{.+}', function rejectOtherMethods(c) {
    c.header('allow', 'GET, PUT');
    return problemResponse(
      c,
      PROBLEMS.methodNotAllowed,
      `Method ${c.req.method} is not allowed on blob URLs: use PUT to upload or GET to download.`,
      logger,
    );
  });

  return app;
}
