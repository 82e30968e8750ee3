// One behaviour suite for both implementations: the filesystem store behind its routes on a
// loopback HTTP server, and the S3 store against a real s3rver on loopback.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from './blob-store.js';
import { BlobNotFoundError, InvalidBlobKeyError, InvalidBlobRequestError } from './errors.js';
import { planMultipartUpload } from './multipart-plan.js';
import { S3BlobStore } from './s3-blob-store.js';
import { startLocalBlobServer } from './testing/start-local-blob-server.js';
import { startS3rver } from './testing/start-s3rver.js';

interface Harness {
  store: BlobStore;
  /** A store on the same storage whose URLs are signed by the given clock. */
  storeWithClock(now: () => Date): BlobStore;
  close(): Promise<void>;
}

async function startFsHarness(): Promise<Harness> {
  const server = await startLocalBlobServer();
  return { store: server.store, storeWithClock: server.storeWithClock, close: server.close };
}

async function startS3Harness(): Promise<Harness> {
  const s3rver = await startS3rver();
  const config = {
    bucket: s3rver.bucket,
    region: 'eu-west-3',
    endpoint: s3rver.endpoint,
    forcePathStyle: true,
    credentials: s3rver.credentials,
  };
  return {
    store: new S3BlobStore(config),
    storeWithClock: (now) => new S3BlobStore({ ...config, now }),
    close: s3rver.close,
  };
}

const MiB = 1024 * 1024;

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function describeResponse(response: Response): Promise<string> {
  return `${response.status} ${await response.clone().text()}`;
}

let keyCounter = 0;
function uniqueKey(name = 'update.safetensors'): string {
  keyCounter += 1;
  return `org_test/jobs/job_${keyCounter}/rounds/3/tasks/tsk_${keyCounter}/${name}`;
}

describe.each([
  { kind: 'fs', start: startFsHarness },
  { kind: 's3', start: startS3Harness },
])('$kind blob store', ({ start }) => {
  let harness: Harness;
  let store: BlobStore;

  beforeAll(async () => {
    harness = await start();
    store = harness.store;
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('stores a blob and reads it back', async () => {
    const key = uniqueKey();
    const body = randomBytes(4096);

    const result = await store.put(key, body, { contentType: 'application/octet-stream' });

    expect(result).toEqual({ size: 4096, sha256: sha256Hex(body) });
    expect(Buffer.from(await store.get(key)).equals(body)).toBe(true);
  });

  it('stores an empty blob', async () => {
    const key = uniqueKey();

    const result = await store.put(key, new Uint8Array(0));

    expect(result.size).toBe(0);
    expect(await store.head(key)).toEqual({ size: 0 });
    expect((await store.get(key)).byteLength).toBe(0);
  });

  it('put replaces an existing blob', async () => {
    const key = uniqueKey();
    await store.put(key, randomBytes(100));
    const replacement = randomBytes(50);

    await store.put(key, replacement);

    expect(Buffer.from(await store.get(key)).equals(replacement)).toBe(true);
    expect(await store.head(key)).toEqual({ size: 50 });
  });

  it('keeps a key and a longer key under it apart', async () => {
    const parent = uniqueKey('model');
    const child = `${parent}/weights.bin`;

    await store.put(parent, Buffer.from('parent'));
    await store.put(child, Buffer.from('child'));

    expect(Buffer.from(await store.get(parent)).toString()).toBe('parent');
    expect(Buffer.from(await store.get(child)).toString()).toBe('child');
  });

  it('head returns the size, or null for a missing key', async () => {
    const key = uniqueKey();
    await store.put(key, randomBytes(123));

    expect(await store.head(key)).toEqual({ size: 123 });
    expect(await store.head(uniqueKey())).toBeNull();
  });

  it('get of a missing key throws BlobNotFoundError naming the key', async () => {
    const key = uniqueKey();

    const error = await store.get(key).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BlobNotFoundError);
    expect((error as BlobNotFoundError).key).toBe(key);
    expect((error as Error).message).toContain(key);
  });

  it('delete removes the blob and accepts a missing key', async () => {
    const key = uniqueKey();
    await store.put(key, randomBytes(10));

    await store.delete(key);
    await store.delete(key);

    expect(await store.head(key)).toBeNull();
    await expect(store.get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it.each([
    ['empty', ''],
    ['absolute', '/org_x/update.bin'],
    ['parent segment', 'org_x/../org_y/update.bin'],
    ['current segment', 'org_x/./update.bin'],
    ['double slash', 'org_x//update.bin'],
    ['trailing slash', 'org_x/'],
    ['space', 'org_x/my update.bin'],
    ['backslash', 'org_x\\update.bin'],
    ['too long', `org_x/${'a'.repeat(1100)}`],
  ])('rejects a key that is %s', async (_case, key) => {
    const operations: Array<() => Promise<unknown>> = [
      () => store.put(key, new Uint8Array(1)),
      () => store.get(key),
      () => store.head(key),
      () => store.delete(key),
      () => store.presignPut(key, { expiresInSeconds: 60 }),
      () => store.presignGet(key, { expiresInSeconds: 60 }),
      () => store.createMultipartUpload(key, { partCount: 2, expiresInSeconds: 60 }),
    ];

    for (const operation of operations) {
      const error = await operation().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidBlobKeyError);
      expect((error as InvalidBlobKeyError).key).toBe(key);
    }
  });

  it.each([
    ['zero expiry', { expiresInSeconds: 0 }],
    ['fractional expiry', { expiresInSeconds: 1.5 }],
    ['expiry over 7 days', { expiresInSeconds: 604_801 }],
    ['negative content length', { expiresInSeconds: 60, contentLength: -1 }],
    ['content length over 5 GiB', { expiresInSeconds: 60, contentLength: 5 * 1024 ** 3 + 1 }],
    ['content type with a line break', { expiresInSeconds: 60, contentType: 'text/plain\r\nx-evil: 1' }],
  ])('presignPut rejects %s', async (_case, options) => {
    await expect(store.presignPut(uniqueKey(), options)).rejects.toBeInstanceOf(InvalidBlobRequestError);
  });

  it.each([
    ['zero parts', 0],
    ['more than 10,000 parts', 10_001],
    ['a fractional part count', 2.5],
  ])('createMultipartUpload rejects %s', async (_case, partCount) => {
    await expect(store.createMultipartUpload(uniqueKey(), { partCount, expiresInSeconds: 60 })).rejects.toBeInstanceOf(
      InvalidBlobRequestError,
    );
  });

  it('presigned PUT uploads with fetch and reads back', async () => {
    const key = uniqueKey();
    const body = randomBytes(64 * 1024);
    const request = await store.presignPut(key, {
      expiresInSeconds: 300,
      contentLength: body.byteLength,
      contentType: 'application/vnd.onsite.safetensors',
    });

    const response = await fetch(request.url, { method: request.method, headers: request.headers, body });

    expect(response.status, await describeResponse(response)).toBe(200);
    expect(request.method).toBe('PUT');
    expect(Buffer.from(await store.get(key)).equals(body)).toBe(true);
  });

  it('presigned PUT reports when it expires', async () => {
    const signedAt = new Date('2030-01-01T00:00:00.000Z');
    const request = await harness.storeWithClock(() => signedAt).presignPut(uniqueKey(), { expiresInSeconds: 900 });

    expect(request.expiresAt).toBe('2030-01-01T00:15:00.000Z');
  });

  it('presigned GET downloads with fetch', async () => {
    const key = uniqueKey();
    const body = randomBytes(10_000);
    await store.put(key, body, { contentType: 'application/vnd.onsite.safetensors' });
    const request = await store.presignGet(key, { expiresInSeconds: 300 });

    const response = await fetch(request.url, { method: request.method, headers: request.headers });

    expect(response.status, await describeResponse(response)).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/vnd.onsite.safetensors');
    expect(Buffer.from(await response.arrayBuffer()).equals(body)).toBe(true);
  });

  it('presigned GET of a missing key answers 404', async () => {
    const request = await store.presignGet(uniqueKey(), { expiresInSeconds: 300 });

    const response = await fetch(request.url);

    expect(response.status, await describeResponse(response)).toBe(404);
  });

  it('rejects expired presigned URLs with 403', async () => {
    const key = uniqueKey();
    await store.put(key, randomBytes(10));
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    const pastStore = harness.storeWithClock(() => twoHoursAgo);

    const get = await pastStore.presignGet(key, { expiresInSeconds: 60 });
    const put = await pastStore.presignPut(key, { expiresInSeconds: 60 });
    const getResponse = await fetch(get.url);
    const putResponse = await fetch(put.url, { method: 'PUT', body: randomBytes(5) });

    expect(getResponse.status, await describeResponse(getResponse)).toBe(403);
    expect(putResponse.status, await describeResponse(putResponse)).toBe(403);
    expect(await store.head(key)).toEqual({ size: 10 });
  });

  it('uploads 17 MiB in 3 presigned parts', async () => {
    const key = uniqueKey();
    const body = randomBytes(17 * MiB);
    const plan = planMultipartUpload(body.byteLength);
    const upload = await store.createMultipartUpload(key, {
      partCount: plan.partCount,
      expiresInSeconds: 600,
      contentType: 'application/vnd.onsite.safetensors',
    });

    expect(plan.partCount).toBe(3);
    expect(upload.parts.map((part) => part.partNumber)).toEqual([1, 2, 3]);

    const completed = [];
    for (const part of plan.parts) {
      const url = upload.parts[part.partNumber - 1]!.url;
      const response = await fetch(url, { method: 'PUT', body: body.subarray(part.start, part.end) });
      expect(response.status, await describeResponse(response)).toBe(200);
      const etag = response.headers.get('etag');
      expect(etag).toBeTruthy();
      completed.push({ partNumber: part.partNumber, etag: etag! });
    }

    await store.completeMultipartUpload(key, upload.uploadId, completed);

    expect(await store.head(key)).toEqual({ size: 17 * MiB });
    expect(sha256Hex(await store.get(key))).toBe(sha256Hex(body));
  });

  it.each([
    ['a gap in the part numbers', [1, 3], /part 2 is missing/],
    ['parts out of order', [2, 1], /part 1 is missing/],
    ['no parts', [], /at least one/],
  ])('completeMultipartUpload rejects %s', async (_case, partNumbers, message) => {
    const key = uniqueKey();
    const upload = await store.createMultipartUpload(key, { partCount: 3, expiresInSeconds: 600 });
    const parts = partNumbers.map((partNumber) => ({ partNumber, etag: '"0123456789abcdef"' }));

    const error = await store.completeMultipartUpload(key, upload.uploadId, parts).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InvalidBlobRequestError);
    expect((error as Error).message).toMatch(message);
    expect(await store.head(key)).toBeNull();
  });
});
