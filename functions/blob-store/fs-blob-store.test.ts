import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidBlobRequestError, MultipartUploadNotFoundError } from './errors.js';
import { FsBlobStore } from './fs-blob-store.js';
import { TEST_SECRET } from './testing/start-local-blob-server.js';

const MiB = 1024 * 1024;

describe('FsBlobStore', () => {
  let root: string;
  let store: FsBlobStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'onsite-fs-blobs-'));
    store = new FsBlobStore({ root, publicBaseUrl: 'http://127.0.0.1:8787', secret: TEST_SECRET });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** Stores parts directly through the store, as the PUT route does. */
  async function uploadParts(key: string, uploadId: string, bodies: Map<number, Uint8Array>) {
    const parts = [];
    for (const [partNumber, body] of bodies) {
      const part = await store.writePartStream(key, uploadId, partNumber, Readable.from([Buffer.from(body)]), {
        maxBytes: 64 * MiB,
      });
      parts.push({ partNumber, etag: part.etag });
    }
    return parts;
  }

  it('leaves no temporary files after writes', async () => {
    await store.put('org_x/a.bin', randomBytes(100));
    await store.put('org_x/a.bin', randomBytes(200));

    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('presigns URLs on the public base URL', async () => {
    const request = await store.presignPut('org_x/a.bin', { expiresInSeconds: 60, contentLength: 10 });

    expect(request.url.startsWith('http://127.0.0.1:8787/blobs/org_x/a.bin?')).toBe(true);
    expect(request.headers).toEqual({ 'content-length': '10' });
  });

  it('removes the parts once an upload completes', async () => {
    const key = 'org_x/multipart.bin';
    const upload = await store.createMultipartUpload(key, { partCount: 2, expiresInSeconds: 60 });
    const parts = await uploadParts(key, upload.uploadId, new Map([[1, randomBytes(5 * MiB)], [2, randomBytes(10)]]));

    await store.completeMultipartUpload(key, upload.uploadId, parts);

    expect(await readdir(join(root, 'uploads'))).toEqual([]);
    expect(await store.head(key)).toEqual({ size: 5 * MiB + 10 });
    await expect(store.completeMultipartUpload(key, upload.uploadId, parts)).rejects.toBeInstanceOf(
      MultipartUploadNotFoundError,
    );
  });

  it.each([
    {
      name: 'fewer parts than the upload was created with',
      partCount: 3,
      uploaded: [1, 2],
      listed: (parts: Array<{ partNumber: number; etag: string }>) => parts,
      message: /created with 3 parts but 2 are listed, so part 3 is missing/,
    },
    {
      name: 'a listed part that was never uploaded',
      partCount: 3,
      uploaded: [1, 3],
      listed: (parts: Array<{ partNumber: number; etag: string }>) => [
        parts[0]!,
        { partNumber: 2, etag: 'abc' },
        { partNumber: 3, etag: parts[1]!.etag },
      ],
      message: /part 2 was not uploaded/,
    },
    {
      name: 'an ETag that does not match the part',
      partCount: 2,
      uploaded: [1, 2],
      listed: (parts: Array<{ partNumber: number; etag: string }>) => [parts[0]!, { partNumber: 2, etag: '"0000"' }],
      message: /ETag of part 2 does not match/,
    },
  ])('completeMultipartUpload rejects $name', async ({ partCount, uploaded, listed, message }) => {
    const key = 'org_x/multipart.bin';
    const upload = await store.createMultipartUpload(key, { partCount, expiresInSeconds: 60 });
    const bodies = new Map(uploaded.map((partNumber) => [partNumber, randomBytes(5 * MiB)] as const));
    const parts = await uploadParts(key, upload.uploadId, bodies);

    const error = await store.completeMultipartUpload(key, upload.uploadId, listed(parts)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InvalidBlobRequestError);
    expect((error as Error).message).toMatch(message);
    expect(await store.head(key)).toBeNull();
  });

  it('rejects a part under 5 MiB before the last, as S3 does', async () => {
    const key = 'org_x/multipart.bin';
    const upload = await store.createMultipartUpload(key, { partCount: 2, expiresInSeconds: 60 });
    const parts = await uploadParts(key, upload.uploadId, new Map([[1, randomBytes(100)], [2, randomBytes(100)]]));

    await expect(store.completeMultipartUpload(key, upload.uploadId, parts)).rejects.toThrow(/part 1 has 100 bytes/);
  });

  it('keeps the upload content type on the completed blob', async () => {
    const key = 'org_x/multipart.bin';
    const upload = await store.createMultipartUpload(key, {
      partCount: 1,
      expiresInSeconds: 60,
      contentType: 'application/vnd.onsite.safetensors',
    });
    const parts = await uploadParts(key, upload.uploadId, new Map([[1, randomBytes(100)]]));

    await store.completeMultipartUpload(key, upload.uploadId, parts);
    const opened = await store.openBlobStream(key);
    opened.stream.destroy();

    expect(opened.contentType).toBe('application/vnd.onsite.safetensors');
  });

  it('aborts an upload and discards its parts', async () => {
    const key = 'org_x/multipart.bin';
    const upload = await store.createMultipartUpload(key, { partCount: 2, expiresInSeconds: 60 });
    await uploadParts(key, upload.uploadId, new Map([[1, randomBytes(100)]]));

    await store.abortMultipartUpload(key, upload.uploadId);

    expect(await readdir(join(root, 'uploads'))).toEqual([]);
    await expect(store.abortMultipartUpload(key, upload.uploadId)).rejects.toBeInstanceOf(MultipartUploadNotFoundError);
  });

  it.each([
    ['an unknown upload id', 'org_x/multipart.bin', '0123456789abcdef0123456789abcdef'],
    ['a malformed upload id', 'org_x/multipart.bin', '../../objects'],
    ['another key', 'org_x/other.bin', undefined],
  ])('treats %s as a missing upload', async (_case, key, uploadId) => {
    const upload = await store.createMultipartUpload('org_x/multipart.bin', { partCount: 1, expiresInSeconds: 60 });
    const id = uploadId ?? upload.uploadId;

    const error = await store.abortMultipartUpload(key, id).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MultipartUploadNotFoundError);
    expect((error as Error).message).toContain(id);
  });

  it('rejects a part number outside the upload', async () => {
    const key = 'org_x/multipart.bin';
    const upload = await store.createMultipartUpload(key, { partCount: 2, expiresInSeconds: 60 });

    await expect(
      store.writePartStream(key, upload.uploadId, 3, Readable.from([Buffer.from('x')]), { maxBytes: 100 }),
    ).rejects.toThrow(/parts 1 to 2/);
  });

  it.each([
    ['a short secret', { secret: 'short' }, /at least 32/],
    ['a relative public base URL', { publicBaseUrl: '/api' }, /publicBaseUrl/],
  ])('rejects %s', (_case, change, message) => {
    expect(() => new FsBlobStore({ root, publicBaseUrl: 'http://127.0.0.1:8787', secret: TEST_SECRET, ...change })).toThrow(
      message,
    );
  });
});
