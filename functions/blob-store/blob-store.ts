// The storage interface for model artifacts and site updates. Both implementations (local
// filesystem and S3) behave the same way, so the API and the tests do not care which one runs.

/** An HTTP request that a client can send without credentials, until `expiresAt`. */
export interface PresignedRequest {
  method: 'PUT' | 'GET';
  url: string;
  /** Headers the client must send with the request, because the signature covers them. */
  headers: Record<string, string>;
  /** ISO 8601 instant after which the storage rejects the URL. */
  expiresAt: string;
}

export interface PutBlobOptions {
  /** Stored with the blob and returned on download; defaults to `application/octet-stream`. */
  contentType?: string;
}

export interface PutBlobResult {
  /** Body length in bytes. */
  size: number;
  /** Lowercase hex SHA-256 of the body. */
  sha256: string;
}

export interface PresignPutOptions {
  expiresInSeconds: number;
  /** When set, the signature binds the exact body length in bytes. */
  contentLength?: number;
  contentType?: string;
  /** Object tags, which S3 lifecycle rules can select on; the filesystem store keeps none. */
  tags?: Readonly<Record<string, string>>;
}

export interface PresignGetOptions {
  expiresInSeconds: number;
}

export interface CreateMultipartUploadOptions {
  /** Number of parts, 1 to 10,000; see `planMultipartUpload` for the part sizes. */
  partCount: number;
  expiresInSeconds: number;
  contentType?: string;
  /** Object tags of the assembled object; the filesystem store keeps none. */
  tags?: Readonly<Record<string, string>>;
}

export interface MultipartUpload {
  uploadId: string;
  /** One presigned PUT URL per part; each response carries the part's ETag header. */
  parts: Array<{ partNumber: number; url: string }>;
}

export interface CompletedPart {
  partNumber: number;
  /** The ETag header returned by the part's PUT, with or without its double quotes. */
  etag: string;
}

export interface BlobStore {
  /** Stores the body under the key, replacing any blob already there. */
  put(key: string, body: Uint8Array, options?: PutBlobOptions): Promise<PutBlobResult>;

  /** Returns the whole body; throws `BlobNotFoundError` naming the key when there is none. */
  get(key: string): Promise<Uint8Array>;

  /** Returns the size in bytes, or null when no blob has the key. */
  head(key: string): Promise<{ size: number } | null>;

  /** Removes the blob; deleting a missing key succeeds, as it does on S3. */
  delete(key: string): Promise<void>;

  presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest>;

  presignGet(key: string, options: PresignGetOptions): Promise<PresignedRequest>;

  /** Starts a resumable upload for bodies above `MULTIPART_THRESHOLD_BYTES`, with one presigned URL per part. */
  createMultipartUpload(key: string, options: CreateMultipartUploadOptions): Promise<MultipartUpload>;

  /** Assembles the parts, numbered 1 to n without gaps, into the blob. */
  completeMultipartUpload(key: string, uploadId: string, parts: CompletedPart[]): Promise<void>;

  /** Discards an unfinished upload and its stored parts. */
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
}
