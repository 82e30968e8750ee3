// S3-specific behaviour against a real s3rver 3.7 on loopback. s3rver does not check SigV4
// signatures (only their expiry), ignores SSE headers and ETags on completion, and has no
// AbortMultipartUpload, so those checks here stop at what the store sends.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobNotFoundError, BlobStoreError } from './errors.js';
import { S3BlobStore, type S3BlobStoreConfig } from './s3-blob-store.js';
import { startS3rver, type RunningS3rver } from './testing/start-s3rver.js';

describe('S3BlobStore', () => {
  let s3rver: RunningS3rver;
  let config: S3BlobStoreConfig;

  beforeAll(async () => {
    s3rver = await startS3rver();
    config = {
      bucket: s3rver.bucket,
      region: 'eu-west-3',
      endpoint: s3rver.endpoint,
      forcePathStyle: true,
      credentials: s3rver.credentials,
    };
  });

  afterAll(async () => {
    await s3rver?.close();
  });

  /** Records the headers of every request the SDK sends, after signing. */
  function recordRequestHeaders(store: S3BlobStore): Array<Record<string, string>> {
    const recorded: Array<Record<string, string>> = [];
    store.client.middlewareStack.add(
      (next) => async (args) => {
        recorded.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordRequestHeaders' },
    );
    return recorded;
  }

  it('requests SSE-KMS on put when a key id is configured', async () => {
    const store = new S3BlobStore({ ...config, kmsKeyId: 'alias/onsite-artifacts' });
    const recorded = recordRequestHeaders(store);

    await store.put('org_x/encrypted.bin', randomBytes(10));

    expect(recorded[0]?.['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(recorded[0]?.['x-amz-server-side-encryption-aws-kms-key-id']).toBe('alias/onsite-artifacts');
  });

  it('sends no SSE headers without a key id', async () => {
    const store = new S3BlobStore(config);
    const recorded = recordRequestHeaders(store);

    await store.put('org_x/plain.bin', randomBytes(10));

    expect(recorded[0]?.['x-amz-server-side-encryption']).toBeUndefined();
  });

  it('returns every signed header of a presigned PUT for the client to send', async () => {
    const store = new S3BlobStore({ ...config, kmsKeyId: 'alias/onsite-artifacts' });
    const body = randomBytes(2048);

    const request = await store.presignPut('org_x/presigned-kms.bin', {
      expiresInSeconds: 300,
      contentLength: body.byteLength,
      contentType: 'application/vnd.onsite.safetensors',
    });
    const signedHeaders = new URL(request.url).searchParams.get('X-Amz-SignedHeaders')?.split(';') ?? [];
    const response = await fetch(request.url, { method: 'PUT', headers: request.headers, body });

    expect(signedHeaders.filter((header) => header !== 'host').sort()).toEqual(
      ['content-length', 'x-amz-server-side-encryption', 'x-amz-server-side-encryption-aws-kms-key-id'].sort(),
    );
    for (const header of signedHeaders.filter((name) => name !== 'host')) {
      expect(request.headers[header], header).toBeDefined();
    }
    expect(response.status, await response.text()).toBe(200);
    expect(await store.head('org_x/presigned-kms.bin')).toEqual({ size: 2048 });
  });

  it('signs the tagging header of a tagged presigned PUT', async () => {
    const store = new S3BlobStore(config);
    const body = randomBytes(64);

    const request = await store.presignPut('org_x/tagged.bin', {
      expiresInSeconds: 300,
      contentLength: body.byteLength,
      tags: { 'onsite-artifact': 'round-update' },
    });
    const url = new URL(request.url);
    const signedHeaders = url.searchParams.get('X-Amz-SignedHeaders')?.split(';') ?? [];
    const response = await fetch(request.url, { method: 'PUT', headers: request.headers, body });

    expect(request.headers['x-amz-tagging']).toBe('onsite-artifact=round-update');
    expect(signedHeaders).toContain('x-amz-tagging');
    expect(url.searchParams.has('x-amz-tagging')).toBe(false);
    expect(response.status, await response.text()).toBe(200);
  });

  it('presigns PUT URLs without a checksum of the empty body', async () => {
    const store = new S3BlobStore(config);

    const request = await store.presignPut('org_x/no-checksum.bin', { expiresInSeconds: 60 });
    const parameters = [...new URL(request.url).searchParams.keys()].map((name) => name.toLowerCase());

    expect(parameters.filter((name) => name.includes('checksum'))).toEqual([]);
  });

  it('reports a missing bucket as a store error, not a missing blob', async () => {
    const store = new S3BlobStore({ ...config, bucket: 'no-such-bucket' });

    const error = await store.get('org_x/a.bin').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BlobStoreError);
    expect(error).not.toBeInstanceOf(BlobNotFoundError);
    expect((error as Error).message).toContain('no-such-bucket');
  });

  it('surfaces s3rver lacking AbortMultipartUpload as a store error', async () => {
    const store = new S3BlobStore(config);
    const upload = await store.createMultipartUpload('org_x/abort.bin', { partCount: 2, expiresInSeconds: 60 });

    const error = await store.abortMultipartUpload('org_x/abort.bin', upload.uploadId).catch((caught: unknown) => caught);

    // Real S3 deletes the upload here; s3rver 3.7 returns 405 MethodNotAllowed.
    expect(error).toBeInstanceOf(BlobStoreError);
    expect((error as Error).message).toMatch(/AbortMultipartUpload failed .*MethodNotAllowed/);
  });

  it('rejects a config without a bucket', () => {
    expect(() => new S3BlobStore({ ...config, bucket: '' })).toThrow(/bucket and region are required/);
  });
});
