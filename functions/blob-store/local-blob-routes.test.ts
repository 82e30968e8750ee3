import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from './fs-blob-store.js';
import { createLocalBlobRoutes } from './local-blob-routes.js';
import { startLocalBlobServer, TEST_SECRET, type RunningLocalBlobServer } from './testing/start-local-blob-server.js';

const BASE_URL = 'http://blobs.test';
const MAX_BODY_BYTES = 1024;

async function describeResponse(response: Response): Promise<string> {
  return `${response.status} ${JSON.stringify(Object.fromEntries(response.headers))} ${await response.clone().text()}`;
}

/** Wraps the bytes in a stream without a declared length, as a chunked upload sends them. */
function streamOf(bytes: Uint8Array, chunkSize = 256): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

/** Lists leftover temporary files; the folder exists only once a body started streaming. */
async function listTempFiles(root: string): Promise<string[]> {
  return readdir(join(root, 'tmp')).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return [];
    }
    throw error;
  });
}

/** Changes the first character, so the result always differs from the input. */
function replaceFirstCharacter(text: string): string {
  return `${text.startsWith('x') ? 'y' : 'x'}${text.slice(1)}`;
}

function withQuery(url: string, change: (query: URLSearchParams) => void): string {
  const parsed = new URL(url);
  change(parsed.searchParams);
  return parsed.toString();
}

describe('local blob routes', () => {
  let root: string;
  let store: FsBlobStore;
  let app: Hono;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'onsite-blob-routes-'));
    store = new FsBlobStore({ root, publicBaseUrl: BASE_URL, secret: TEST_SECRET });
    app = new Hono().route('/blobs', createLocalBlobRoutes(store, { secret: TEST_SECRET, maxBodyBytes: MAX_BODY_BYTES }));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stores a PUT body and serves it to GET', async () => {
    const key = 'org_x/jobs/job_1/update.safetensors';
    const body = randomBytes(700);
    const put = await store.presignPut(key, { expiresInSeconds: 60, contentType: 'application/vnd.onsite.safetensors' });
    const get = await store.presignGet(key, { expiresInSeconds: 60 });

    const putResponse = await app.request(put.url, { method: 'PUT', headers: put.headers, body });
    const getResponse = await app.request(get.url);

    const sha256 = createHash('sha256').update(body).digest('hex');
    expect(putResponse.status, await describeResponse(putResponse)).toBe(200);
    expect(putResponse.headers.get('etag')).toBe(`"${sha256}"`);
    expect(getResponse.status, await describeResponse(getResponse)).toBe(200);
    expect(getResponse.headers.get('content-type')).toBe('application/vnd.onsite.safetensors');
    expect(getResponse.headers.get('content-length')).toBe('700');
    expect(Buffer.from(await getResponse.arrayBuffer()).equals(body)).toBe(true);
  });

  it('returns the size for HEAD without a body', async () => {
    const key = 'org_x/head.bin';
    await store.put(key, randomBytes(321));
    const get = await store.presignGet(key, { expiresInSeconds: 60 });

    const response = await app.request(get.url, { method: 'HEAD' });

    expect(response.status, await describeResponse(response)).toBe(200);
    expect(response.headers.get('content-length')).toBe('321');
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });

  it('streams a chunked PUT body without a declared length', async () => {
    const key = 'org_x/chunked.bin';
    const body = randomBytes(1000);
    const put = await store.presignPut(key, { expiresInSeconds: 60 });

    const response = await app.request(put.url, { method: 'PUT', body: streamOf(body), duplex: 'half' } as RequestInit);

    expect(response.status, await describeResponse(response)).toBe(200);
    expect(Buffer.from(await store.get(key)).equals(body)).toBe(true);
  });

  it('renders errors as RFC 9457 problems', async () => {
    const get = await store.presignGet('org_x/missing.bin', { expiresInSeconds: 60 });

    const response = await app.request(get.url);
    const problem = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(problem).toEqual({
      type: 'urn:onsite:problem:blob-not-found',
      title: 'Blob not found',
      status: 404,
      detail: expect.stringContaining('org_x/missing.bin'),
    });
  });

  interface RejectionCase {
    name: string;
    /** Builds the request from a URL presigned for PUT of `org_x/target.bin` with a 100-byte body. */
    request: (putUrl: string, getUrl: string, expiredPutUrl: string) => [string, RequestInit];
    status: number;
    detail: RegExp;
  }

  const body100 = new Uint8Array(100);

  it.each<RejectionCase>([
    {
      name: 'a tampered signature',
      request: (url) => [withQuery(url, (q) => q.set('signature', replaceFirstCharacter(q.get('signature')!))), { method: 'PUT', body: body100 }],
      status: 403,
      detail: /signature does not match/,
    },
    {
      name: 'a tampered key',
      request: (url) => [url.replace('/target.bin', '/other.bin'), { method: 'PUT', body: body100 }],
      status: 403,
      detail: /signature does not match/,
    },
    {
      name: 'an extended expiry',
      request: (url) => [withQuery(url, (q) => q.set('expires', String(Number(q.get('expires')) + 86_400))), { method: 'PUT', body: body100 }],
      status: 403,
      detail: /signature does not match/,
    },
    {
      name: 'a removed content length',
      request: (url) => [withQuery(url, (q) => q.delete('contentLength')), { method: 'PUT', body: body100 }],
      status: 403,
      detail: /signature does not match/,
    },
    {
      name: 'a missing signature',
      request: (url) => [withQuery(url, (q) => q.delete('signature')), { method: 'PUT', body: body100 }],
      status: 403,
      detail: /no signature/,
    },
    {
      name: 'an expired URL',
      request: (_url, _get, expired) => [expired, { method: 'PUT', body: body100 }],
      status: 403,
      detail: /expired at/,
    },
    {
      name: 'GET with a URL signed for PUT',
      request: (url) => [url, { method: 'GET' }],
      status: 403,
      detail: /signature does not match this GET request/,
    },
    {
      name: 'PUT with a URL signed for GET',
      request: (_url, getUrl) => [getUrl, { method: 'PUT', body: body100 }],
      status: 403,
      detail: /signature does not match this PUT request/,
    },
    {
      name: 'DELETE',
      request: (url) => [url, { method: 'DELETE' }],
      status: 405,
      detail: /use PUT to upload or GET to download/,
    },
    {
      name: 'a body longer than the signed length',
      request: (url) => [url, { method: 'PUT', body: new Uint8Array(101) }],
      status: 400,
      detail: /signed for 100 bytes/,
    },
    {
      name: 'a streamed body longer than the signed length',
      request: (url) => [url, { method: 'PUT', body: streamOf(new Uint8Array(300)), duplex: 'half' } as RequestInit],
      status: 400,
      detail: /signed for 100 bytes/,
    },
    {
      name: 'a streamed body shorter than the signed length',
      request: (url) => [url, { method: 'PUT', body: streamOf(new Uint8Array(60)), duplex: 'half' } as RequestInit],
      status: 400,
      detail: /signed for 100 bytes but the body has 60/,
    },
  ])('rejects $name', async ({ request, status, detail }) => {
    const key = 'org_x/target.bin';
    const original = randomBytes(10);
    await store.put(key, original);
    const put = await store.presignPut(key, { expiresInSeconds: 60, contentLength: 100 });
    const get = await store.presignGet(key, { expiresInSeconds: 60 });
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    const pastStore = new FsBlobStore({ root, publicBaseUrl: BASE_URL, secret: TEST_SECRET, now: () => twoHoursAgo });
    const expired = await pastStore.presignPut(key, { expiresInSeconds: 60, contentLength: 100 });

    const [url, init] = request(put.url, get.url, expired.url);
    const response = await app.request(url, init);
    const problem = (await response.clone().json()) as { status: number; detail: string };

    expect(response.status, await describeResponse(response)).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(problem.status).toBe(status);
    expect(problem.detail).toMatch(detail);
    expect(Buffer.from(await store.get(key)).equals(original)).toBe(true);
    expect(await listTempFiles(root)).toEqual([]);
  });

  it('names the allowed methods when rejecting DELETE', async () => {
    const get = await store.presignGet('org_x/a.bin', { expiresInSeconds: 60 });

    const response = await app.request(get.url, { method: 'DELETE' });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, PUT');
  });

  it.each([
    [
      'a declared length over the limit',
      () => ({ body: new Uint8Array(MAX_BODY_BYTES + 1), headers: { 'content-length': String(MAX_BODY_BYTES + 1) } }),
    ],
    ['a streamed body over the limit', () => ({ body: streamOf(new Uint8Array(MAX_BODY_BYTES * 3)), duplex: 'half' })],
  ])('rejects %s with 413 and keeps nothing', async (_case, makeInit) => {
    const key = 'org_x/too-large.bin';
    const put = await store.presignPut(key, { expiresInSeconds: 60 });

    const response = await app.request(put.url, { method: 'PUT', ...makeInit() } as RequestInit);
    const problem = (await response.json()) as { detail: string };

    expect(response.status).toBe(413);
    expect(problem.detail).toContain(`${MAX_BODY_BYTES} bytes`);
    expect(await store.head(key)).toBeNull();
    expect(await listTempFiles(root)).toEqual([]);
  });

  it('returns 404 for a part URL of an aborted upload', async () => {
    const key = 'org_x/multipart.bin';
    const upload = await store.createMultipartUpload(key, { partCount: 2, expiresInSeconds: 60 });
    await store.abortMultipartUpload(key, upload.uploadId);

    const response = await app.request(upload.parts[0]!.url, { method: 'PUT', body: new Uint8Array(10) });
    const problem = (await response.json()) as { type: string };

    expect(response.status).toBe(404);
    expect(problem.type).toBe('urn:onsite:problem:multipart-upload-not-found');
  });

  it('returns each part ETag in the PUT response', async () => {
    const key = 'org_x/multipart.bin';
    const upload = await store.createMultipartUpload(key, { partCount: 1, expiresInSeconds: 60 });
    const body = randomBytes(500);

    const response = await app.request(upload.parts[0]!.url, { method: 'PUT', body });

    expect(response.status, await describeResponse(response)).toBe(200);
    expect(response.headers.get('etag')).toBe(`"${createHash('sha256').update(body).digest('hex')}"`);
  });

  it('logs each rejection without the signature', async () => {
    const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const logger = { warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }) };
    const loggedApp = new Hono().route('/blobs', createLocalBlobRoutes(store, { secret: TEST_SECRET, logger }));
    const get = await store.presignGet('org_x/missing.bin', { expiresInSeconds: 60 });

    await loggedApp.request(get.url);

    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toBe('blob request rejected');
    expect(warnings[0]?.fields).toMatchObject({ method: 'GET', key: 'org_x/missing.bin', status: 404 });
    expect(JSON.stringify(warnings)).not.toContain(new URL(get.url).searchParams.get('signature'));
  });

  it('rejects a route secret shorter than 32 characters', () => {
    expect(() => createLocalBlobRoutes(store, { secret: 'short' })).toThrow(/at least 32/);
  });
});

describe('local blob routes over HTTP', () => {
  let server: RunningLocalBlobServer;

  beforeAll(async () => {
    server = await startLocalBlobServer({ maxBodyBytes: 48 * 1024 * 1024 });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('streams a 40 MiB upload to disk and back', async () => {
    const key = 'org_x/large/update.safetensors';
    const body = randomBytes(40 * 1024 * 1024);
    const put = await server.store.presignPut(key, { expiresInSeconds: 60 });

    const putResponse = await fetch(put.url, {
      method: 'PUT',
      body: streamOf(body, 1024 * 1024),
      duplex: 'half',
    } as RequestInit);
    const get = await server.store.presignGet(key, { expiresInSeconds: 60 });
    const getResponse = await fetch(get.url);
    const downloaded = Buffer.from(await getResponse.arrayBuffer());

    expect(putResponse.status, await describeResponse(putResponse)).toBe(200);
    expect(getResponse.status).toBe(200);
    expect(downloaded.byteLength).toBe(body.byteLength);
    expect(createHash('sha256').update(downloaded).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('returns 413 for a declared length over the limit', async () => {
    const put = await server.store.presignPut('org_x/too-large.bin', { expiresInSeconds: 60 });

    const response = await fetch(put.url, { method: 'PUT', body: new Uint8Array(48 * 1024 * 1024 + 1) });

    expect(response.status, await describeResponse(response)).toBe(413);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('returns 403 for a tampered signature', async () => {
    const get = await server.store.presignGet('org_x/any.bin', { expiresInSeconds: 60 });

    const response = await fetch(withQuery(get.url, (q) => q.set('signature', 'AAAA')));

    expect(response.status, await describeResponse(response)).toBe(403);
  });
});
