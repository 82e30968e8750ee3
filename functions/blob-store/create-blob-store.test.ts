import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBlobStore, type BlobStoreConfig } from './create-blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';
import { TEST_SECRET } from './testing/start-local-blob-server.js';

describe('createBlobStore', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'onsite-blob-factory-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('builds a filesystem store that works', async () => {
    const store = createBlobStore({ kind: 'fs', root, publicBaseUrl: 'http://127.0.0.1:8787', secret: TEST_SECRET });

    await store.put('org_x/a.bin', new Uint8Array([1, 2, 3]));

    expect(store).toBeInstanceOf(FsBlobStore);
    expect(await store.head('org_x/a.bin')).toEqual({ size: 3 });
  });

  it('builds an S3 store for the configured bucket', () => {
    const store = createBlobStore({
      kind: 's3',
      bucket: 'onsite-artifacts',
      region: 'eu-west-3',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });

    expect(store).toBeInstanceOf(S3BlobStore);
    expect(store.bucket).toBe('onsite-artifacts');
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown kind', { kind: 'gcs' }, /kind/],
    ['a short secret', { kind: 'fs', root: '/tmp/x', publicBaseUrl: 'http://127.0.0.1:8787', secret: 'short' }, /secret/],
    ['a relative public URL', { kind: 'fs', root: '/tmp/x', publicBaseUrl: '/api', secret: TEST_SECRET }, /publicBaseUrl/],
    ['an S3 config without region', { kind: 's3', bucket: 'onsite-artifacts' }, /region/],
    ['an endpoint that is not a URL', { kind: 's3', bucket: 'onsite-artifacts', region: 'eu-west-3', endpoint: 'localhost' }, /endpoint/],
  ])('rejects %s, naming the field', (_case, config, field) => {
    expect(() => createBlobStore(config as BlobStoreConfig)).toThrow(field);
  });
});
