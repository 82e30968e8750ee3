import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { serve, type ServerType } from '@hono/node-server';
import pino from 'pino';

import { createLogger } from '../logging/logger.js';
import { createRuntime, type Runtime } from '../runtime/create-runtime.js';
import { schedulerDependencies } from '../services/jobs/scheduler-dependencies.js';
import { startSweepTimer } from '../services/jobs/sweep.js';

/**
 * Sweep period of the demo's cloud, in milliseconds. Results are aggregated inline when the last
 * one arrives, so the sweep only expires leases and deadlines; 2 s keeps a stalled round visible.
 */
const SWEEP_INTERVAL_MS = 2_000;

/** Largest request body the demo's cloud accepts: 16 MiB, far above the demo's updates. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export interface LocalCloud {
  /** Root URL of the API, `http://127.0.0.1:<port>`. */
  baseUrl: string;
  /** The operator's bearer token, for creating organizations. */
  operatorToken: string;
  runtime: Runtime;
  close(): Promise<void>;
}

/**
 * Starts the cloud side in this process: PGlite in `<stateDir>/db`, the filesystem blob store in
 * `<stateDir>/blobs`, the API on 127.0.0.1 at a free port, and the sweep timer. The server starts
 * first so the runtime can be built with its URL, which presigned blob URLs are made from; until
 * then it returns 503.
 */
export async function startLocalCloud(stateDir: string, logLevel: string): Promise<LocalCloud> {
  const holder: { runtime?: Runtime } = {};
  const server: ServerType = await new Promise((resolve) => {
    const started = serve(
      {
        fetch: (request: Request) => holder.runtime?.app.fetch(request) ?? new Response('the demo cloud is starting', { status: 503 }),
        port: 0,
        hostname: '127.0.0.1',
      },
      () => resolve(started),
    );
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  // PGlite creates its data folder but not the parents.
  await mkdir(stateDir, { recursive: true });
  const operatorToken = randomBytes(32).toString('base64url');
  const runtime = await createRuntime({
    database: { driver: 'pglite', dataDir: join(stateDir, 'db') },
    blobStore: { kind: 'fs', root: join(stateDir, 'blobs') },
    publicBaseUrl: baseUrl,
    maxRequestBytes: MAX_REQUEST_BYTES,
    operatorToken,
    migrate: true,
    // Logs go to standard error, so standard output carries only the demo's report.
    logger: createLogger({ level: logLevel, destination: pino.destination(2) }),
  });
  holder.runtime = runtime;
  const stopSweep = startSweepTimer(schedulerDependencies(runtime.deps), SWEEP_INTERVAL_MS);

  return {
    baseUrl,
    operatorToken,
    runtime,
    async close() {
      await stopSweep();
      // Keep-alive sockets of the gateways' fetch would hold close() open until they time out.
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
    },
  };
}
