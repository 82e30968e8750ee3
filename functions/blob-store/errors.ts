// Typed errors of the blob store. Callers map them to HTTP statuses: BlobNotFoundError and
// MultipartUploadNotFoundError to 404, InvalidBlobRequestError to 400, the base class to 500.

export class BlobStoreError extends Error {
  override name = 'BlobStoreError';
}

export class BlobNotFoundError extends BlobStoreError {
  override name = 'BlobNotFoundError';

  constructor(
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(`Blob not found: no object has the key "${key}". Upload it first or check the key.`, options);
  }
}

/** A key, an option or a list of parts that the store rejects before touching storage. */
export class InvalidBlobRequestError extends BlobStoreError {
  override name = 'InvalidBlobRequestError';
}

export class InvalidBlobKeyError extends InvalidBlobRequestError {
  override name = 'InvalidBlobKeyError';

  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`Invalid blob key ${JSON.stringify(key)}: ${reason}.`);
  }
}

export class MultipartUploadNotFoundError extends BlobStoreError {
  override name = 'MultipartUploadNotFoundError';

  constructor(
    readonly key: string,
    readonly uploadId: string,
    options?: ErrorOptions,
  ) {
    super(
      `Multipart upload "${uploadId}" for key "${key}" not found: it was completed, aborted or never created. ` +
        'Start a new upload.',
      options,
    );
  }
}

/** An upload body longer than the route's limit; the partial file is discarded. */
export class BlobTooLargeError extends InvalidBlobRequestError {
  override name = 'BlobTooLargeError';

  constructor(readonly maxBytes: number) {
    super(`Upload body too large: the limit is ${maxBytes} bytes. Use a multipart upload for larger bodies.`);
  }
}

/** An upload body whose length differs from the length the URL was signed for. */
export class BlobLengthMismatchError extends InvalidBlobRequestError {
  override name = 'BlobLengthMismatchError';

  constructor(
    readonly expectedBytes: number,
    readonly receivedBytes: number,
  ) {
    super(
      `Upload body length mismatch: the URL was signed for ${expectedBytes} bytes but the body ` +
        `${receivedBytes > expectedBytes ? 'exceeds that' : `has ${receivedBytes}`}. Send exactly the signed length.`,
    );
  }
}
