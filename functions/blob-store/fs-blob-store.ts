import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { writeFileAtomically, type AtomicWriteResult } from './atomic-file.js';
import { validateBlobKey } from './blob-key.js';
import type {
  BlobStore,
  CompletedPart,
  CreateMultipartUploadOptions,
  MultipartUpload,
  PresignedRequest,
  PresignGetOptions,
  PresignPutOptions,
  PutBlobOptions,
  PutBlobResult,
} from './blob-store.js';
import { BlobNotFoundError, InvalidBlobRequestError, MultipartUploadNotFoundError } from './errors.js';
import { buildLocalBlobUrl, validateSigningSecret, type LocalBlobGrant } from './local-url-signature.js';
import { MIN_MULTIPART_PART_BYTES } from './multipart-plan.js';
import {
  normalizeCompletedParts,
  validateContentLength,
  validateContentType,
  validateExpiresInSeconds,
  validatePartCount,
} from './request-options.js';

export interface FsBlobStoreConfig {
  /** Folder that contains every blob; created when missing. */
  root: string;
  /** Origin (and optional path) of the API that mounts `createLocalBlobRoutes`, e.g. `http://127.0.0.1:8787`. */
  publicBaseUrl: string;
  /** HMAC key for presigned URLs, at least 32 characters; the routes must get the same one. */
  secret: string;
  /** Clock for URL expiry; defaults to the system clock. */
  now?: () => Date;
}

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

// validateBlobKey allows only [A-Za-z0-9._-/] in keys, so a suffix with "~" cannot collide with
// a key segment. The key `a/b` is stored in `objects/a/b~blob`, and `a/b/c` under the folder `objects/a/b/`.
const BLOB_SUFFIX = '~blob';
const METADATA_SUFFIX = '~meta.json';
const UPLOAD_ID_PATTERN = /^[0-9a-f]{32}$/;

interface BlobMetadata {
  contentType: string;
  size: number;
  sha256: string;
}

interface UploadManifest {
  key: string;
  partCount: number;
  contentType: string;
  createdAt: string;
}

interface PartMetadata {
  etag: string;
  size: number;
}

export interface StreamWriteOptions {
  /** Route limit in bytes. */
  maxBytes: number;
  /** Exact length the URL was signed for, when it was. */
  expectedBytes?: number;
}

function isMissingFileError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function bufferFrom(body: Uint8Array): Buffer {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** Reads the files one after another as a single stream, never more than one chunk in memory. */
async function* concatenateFiles(paths: string[]): AsyncGenerator<Buffer> {
  for (const path of paths) {
    for await (const chunk of createReadStream(path)) {
      yield chunk as Buffer;
    }
  }
}

/**
 * Blob store on the local filesystem, the default for `npm start` and the tests. Every write goes
 * to a temporary file under `<root>/tmp` first and is renamed into place, so a crash never leaves
 * a half-written blob. Presigned URLs point at the routes from `createLocalBlobRoutes`.
 */
export class FsBlobStore implements BlobStore {
  readonly root: string;
  private readonly publicBaseUrl: string;
  private readonly secret: string;
  private readonly now: () => Date;
  private readonly objectsDirectory: string;
  private readonly uploadsDirectory: string;
  private readonly tempDirectory: string;

  constructor(config: FsBlobStoreConfig) {
    validateSigningSecret(config.secret);
    if (!URL.canParse(config.publicBaseUrl)) {
      throw new Error(
        `Invalid publicBaseUrl ${JSON.stringify(config.publicBaseUrl)}: use the API's absolute URL, e.g. http://127.0.0.1:8787.`,
      );
    }

    this.root = config.root;
    this.publicBaseUrl = config.publicBaseUrl;
    this.secret = config.secret;
    this.now = config.now ?? (() => new Date());
    this.objectsDirectory = join(config.root, 'objects');
    this.uploadsDirectory = join(config.root, 'uploads');
    this.tempDirectory = join(config.root, 'tmp');
  }

  async put(key: string, body: Uint8Array, options: PutBlobOptions = {}): Promise<PutBlobResult> {
    validateBlobKey(key);
    if (options.contentType !== undefined) {
      validateContentType(options.contentType);
    }

    return this.writeBlob(key, Readable.from([bufferFrom(body)]), {}, options.contentType);
  }

  async get(key: string): Promise<Uint8Array> {
    validateBlobKey(key);

    try {
      return new Uint8Array(await readFile(this.blobPath(key)));
    } catch (error) {
      if (isMissingFileError(error)) {
        throw new BlobNotFoundError(key, { cause: error });
      }
      throw error;
    }
  }

  async head(key: string): Promise<{ size: number } | null> {
    validateBlobKey(key);

    try {
      const stats = await stat(this.blobPath(key));
      return { size: stats.size };
    } catch (error) {
      if (isMissingFileError(error)) {
        return null;
      }
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    validateBlobKey(key);

    await rm(this.blobPath(key), { force: true });
    await rm(this.metadataPath(key), { force: true });
  }

  async presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    validateBlobKey(key);
    validateExpiresInSeconds(options.expiresInSeconds);
    if (options.contentLength !== undefined) {
      validateContentLength(options.contentLength);
    }
    if (options.contentType !== undefined) {
      validateContentType(options.contentType);
    }

    const grant = this.grant('PUT', key, options.expiresInSeconds);
    const headers: Record<string, string> = {};

    if (options.contentLength !== undefined) {
      grant.contentLength = options.contentLength;
      headers['content-length'] = String(options.contentLength);
    }
    if (options.contentType !== undefined) {
      headers['content-type'] = options.contentType;
    }

    return this.presignedRequest(grant, headers);
  }

  async presignGet(key: string, options: PresignGetOptions): Promise<PresignedRequest> {
    validateBlobKey(key);
    validateExpiresInSeconds(options.expiresInSeconds);

    return this.presignedRequest(this.grant('GET', key, options.expiresInSeconds), {});
  }

  async createMultipartUpload(key: string, options: CreateMultipartUploadOptions): Promise<MultipartUpload> {
    validateBlobKey(key);
    validatePartCount(options.partCount);
    validateExpiresInSeconds(options.expiresInSeconds);
    if (options.contentType !== undefined) {
      validateContentType(options.contentType);
    }

    const uploadId = randomBytes(16).toString('hex');
    const manifest: UploadManifest = {
      key,
      partCount: options.partCount,
      contentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
      createdAt: this.now().toISOString(),
    };

    await mkdir(this.uploadDirectory(uploadId), { recursive: true });
    await writeFile(join(this.uploadDirectory(uploadId), 'upload.json'), JSON.stringify(manifest));

    const parts = Array.from({ length: options.partCount }, (_, index) => {
      const grant = this.grant('PUT', key, options.expiresInSeconds);
      grant.uploadId = uploadId;
      grant.partNumber = index + 1;
      return { partNumber: index + 1, url: buildLocalBlobUrl(this.publicBaseUrl, grant, this.secret) };
    });

    return { uploadId, parts };
  }

  async completeMultipartUpload(key: string, uploadId: string, parts: CompletedPart[]): Promise<void> {
    validateBlobKey(key);
    const normalizedParts = normalizeCompletedParts(parts);
    const manifest = await this.readUploadManifest(key, uploadId);

    if (normalizedParts.length !== manifest.partCount) {
      throw new InvalidBlobRequestError(
        `Cannot complete upload "${uploadId}": it was created with ${manifest.partCount} parts but ${normalizedParts.length} ` +
          `are listed, so part ${normalizedParts.length + 1} is missing. Upload and list every part.`,
      );
    }

    const partPaths: string[] = [];
    for (const part of normalizedParts) {
      const stored = await this.readPartMetadata(uploadId, part.partNumber);

      if (stored === null) {
        throw new InvalidBlobRequestError(
          `Cannot complete upload "${uploadId}": part ${part.partNumber} was not uploaded. Upload it with its presigned URL first.`,
        );
      }
      if (stored.etag !== part.etag) {
        throw new InvalidBlobRequestError(
          `Cannot complete upload "${uploadId}": the ETag of part ${part.partNumber} does not match the uploaded part. ` +
            'Pass the ETag header returned by its PUT.',
        );
      }
      // Same rule as S3's EntityTooSmall, so an upload that works locally also works on AWS.
      if (part.partNumber < manifest.partCount && stored.size < MIN_MULTIPART_PART_BYTES) {
        throw new InvalidBlobRequestError(
          `Cannot complete upload "${uploadId}": part ${part.partNumber} has ${stored.size} bytes, ` +
            `every part but the last needs at least ${MIN_MULTIPART_PART_BYTES} bytes.`,
        );
      }

      partPaths.push(this.partPath(uploadId, part.partNumber));
    }

    await this.writeBlob(key, Readable.from(concatenateFiles(partPaths)), {}, manifest.contentType);
    await rm(this.uploadDirectory(uploadId), { recursive: true, force: true });
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    validateBlobKey(key);
    await this.readUploadManifest(key, uploadId);

    await rm(this.uploadDirectory(uploadId), { recursive: true, force: true });
  }

  /** Streams an upload body into the blob; used by the PUT route. */
  async writeBlobStream(
    key: string,
    body: Readable,
    options: StreamWriteOptions & { contentType?: string },
  ): Promise<PutBlobResult> {
    validateBlobKey(key);
    if (options.contentType !== undefined) {
      validateContentType(options.contentType);
    }

    return this.writeBlob(key, body, options, options.contentType);
  }

  /** Streams one part of a multipart upload to disk and returns its ETag (SHA-256 hex of the part). */
  async writePartStream(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable,
    options: StreamWriteOptions,
  ): Promise<{ etag: string; size: number }> {
    validateBlobKey(key);
    const manifest = await this.readUploadManifest(key, uploadId);

    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > manifest.partCount) {
      throw new InvalidBlobRequestError(
        `Invalid part number ${partNumber} for upload "${uploadId}": it has parts 1 to ${manifest.partCount}.`,
      );
    }

    let written: AtomicWriteResult;
    try {
      written = await writeFileAtomically(this.partPath(uploadId, partNumber), body, {
        tempDirectory: this.tempDirectory,
        maxBytes: options.maxBytes,
        expectedBytes: options.expectedBytes,
        createParentDirectory: false,
      });
    } catch (error) {
      // The upload folder vanished while the part streamed in: the upload was completed or aborted.
      if (isMissingFileError(error)) {
        throw new MultipartUploadNotFoundError(key, uploadId, { cause: error });
      }
      throw error;
    }

    const metadata: PartMetadata = { etag: written.sha256, size: written.size };
    await this.writeJsonAtomically(this.partMetadataPath(uploadId, partNumber), metadata, false);

    return metadata;
  }

  /** Opens a blob for streaming; used by the GET route. */
  async openBlobStream(key: string): Promise<{ stream: Readable; size: number; contentType: string }> {
    validateBlobKey(key);
    const path = this.blobPath(key);

    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (error) {
      if (isMissingFileError(error)) {
        throw new BlobNotFoundError(key, { cause: error });
      }
      throw error;
    }

    const metadata = await this.readBlobMetadata(key);
    const stream = createReadStream(path);

    // Wait for the open, so a blob deleted since the stat still reports BlobNotFoundError.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (error) => reject(isMissingFileError(error) ? new BlobNotFoundError(key, { cause: error }) : error));
    });

    return { stream, size, contentType: metadata?.contentType ?? DEFAULT_CONTENT_TYPE };
  }

  private async writeBlob(
    key: string,
    body: Readable,
    limits: Partial<StreamWriteOptions>,
    contentType: string | undefined,
  ): Promise<PutBlobResult> {
    const written = await writeFileAtomically(this.blobPath(key), body, {
      tempDirectory: this.tempDirectory,
      maxBytes: limits.maxBytes,
      expectedBytes: limits.expectedBytes,
    });

    // Written after the blob, so a reader may briefly pair the new blob with the old content type.
    // That is why downloads carry no hash from this file.
    const metadata: BlobMetadata = {
      contentType: contentType ?? DEFAULT_CONTENT_TYPE,
      size: written.size,
      sha256: written.sha256,
    };
    await this.writeJsonAtomically(this.metadataPath(key), metadata, true);

    return written;
  }

  private async writeJsonAtomically(path: string, value: unknown, createParentDirectory: boolean): Promise<void> {
    await writeFileAtomically(path, Readable.from([Buffer.from(JSON.stringify(value))]), {
      tempDirectory: this.tempDirectory,
      createParentDirectory,
    });
  }

  private async readBlobMetadata(key: string): Promise<BlobMetadata | null> {
    try {
      return JSON.parse(await readFile(this.metadataPath(key), 'utf8')) as BlobMetadata;
    } catch (error) {
      if (isMissingFileError(error)) {
        return null;
      }
      throw error;
    }
  }

  private async readUploadManifest(key: string, uploadId: string): Promise<UploadManifest> {
    if (!UPLOAD_ID_PATTERN.test(uploadId)) {
      throw new MultipartUploadNotFoundError(key, uploadId);
    }

    let manifest: UploadManifest;
    try {
      manifest = JSON.parse(await readFile(join(this.uploadDirectory(uploadId), 'upload.json'), 'utf8')) as UploadManifest;
    } catch (error) {
      if (isMissingFileError(error)) {
        throw new MultipartUploadNotFoundError(key, uploadId, { cause: error });
      }
      throw error;
    }

    // An upload id used with another key is reported like an unknown one, as on S3.
    if (manifest.key !== key) {
      throw new MultipartUploadNotFoundError(key, uploadId);
    }

    return manifest;
  }

  private async readPartMetadata(uploadId: string, partNumber: number): Promise<PartMetadata | null> {
    try {
      return JSON.parse(await readFile(this.partMetadataPath(uploadId, partNumber), 'utf8')) as PartMetadata;
    } catch (error) {
      if (isMissingFileError(error)) {
        return null;
      }
      throw error;
    }
  }

  private grant(method: 'PUT' | 'GET', key: string, expiresInSeconds: number): LocalBlobGrant {
    const expiresAtSeconds = Math.floor(this.now().getTime() / 1000) + expiresInSeconds;
    return { method, key, expiresAtSeconds };
  }

  private presignedRequest(grant: LocalBlobGrant, headers: Record<string, string>): PresignedRequest {
    return {
      method: grant.method,
      url: buildLocalBlobUrl(this.publicBaseUrl, grant, this.secret),
      headers,
      expiresAt: new Date(grant.expiresAtSeconds * 1000).toISOString(),
    };
  }

  private blobPath(key: string): string {
    return join(this.objectsDirectory, ...`${key}${BLOB_SUFFIX}`.split('/'));
  }

  private metadataPath(key: string): string {
    return join(this.objectsDirectory, ...`${key}${METADATA_SUFFIX}`.split('/'));
  }

  private uploadDirectory(uploadId: string): string {
    return join(this.uploadsDirectory, uploadId);
  }

  private partPath(uploadId: string, partNumber: number): string {
    return join(this.uploadDirectory(uploadId), `${String(partNumber).padStart(5, '0')}.part`);
  }

  private partMetadataPath(uploadId: string, partNumber: number): string {
    return join(this.uploadDirectory(uploadId), `${String(partNumber).padStart(5, '0')}.json`);
  }
}
