import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { FsBlobStore } from '../fs-blob-store.js';
import { createLocalBlobRoutes } from '../local-blob-routes.js';

export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

export interface RunningLocalBlobServer {
  baseUrl: string;
  root: string;
  store: FsBlobStore;
  /** A second store on the same folder whose URLs are signed by the given clock. */
  storeWithClock(now: () => Date): FsBlobStore;
  close(): Promise<void>;
}

/**
 * Starts the filesystem store behind its routes on a real HTTP server at 127.0.0.1 with a random
 * port, as the API mounts them, so presigned URLs can be used with fetch.
 */
export async function startLocalBlobServer(options: { maxBodyBytes?: number } = {}): Promise<RunningLocalBlobServer> {
  const root = await mkdtemp(join(tmpdir(), 'onsite-blobs-'));
  const mounted: { app?: Hono } = {};

  // The port is known only once the server listens, and the store needs it for its URLs.
  const server = await new Promise<Server>((resolve) => {
    const started = serve(
      {
        fetch: (request) => (mounted.app === undefined ? new Response(null, { status: 503 }) : mounted.app.fetch(request)),
        hostname: '127.0.0.1',
        port: 0,
      },
      () => resolve(started as Server),
    );
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const storeWithClock = (now: () => Date) => new FsBlobStore({ root, publicBaseUrl: baseUrl, secret: TEST_SECRET, now });
  const store = new FsBlobStore({ root, publicBaseUrl: baseUrl, secret: TEST_SECRET });
  mounted.app = new Hono().route('/blobs', createLocalBlobRoutes(store, { secret: TEST_SECRET, maxBodyBytes: options.maxBodyBytes }));

  return {
    baseUrl,
    root,
    store,
    storeWithClock,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      await rm(root, { recursive: true, force: true });
    },
  };
}
