import { createServer, type AddressInfo } from 'node:net';

import { serve, type ServerType } from '@hono/node-server';

import { startTestApi, type TestApi } from '../../support/api-harness.js';
import type { DatabaseTarget } from '../../support/database.js';
import { TestClock } from '../../jobs/support/job-fixtures.js';

export interface LoopbackApi extends TestApi {
  /** Root URL of the real HTTP server, `http://127.0.0.1:<port>`. */
  baseUrl: string;
  /** The API's clock; tests move it by hand to expire leases. */
  clock: TestClock;
}

/**
 * Starts the real app behind a real HTTP server on loopback, so the gateway's fetch, the presigned
 * blob URLs and their signatures all go through sockets as they would in production. The port is
 * taken first, because presigned URLs are built from `publicBaseUrl`.
 */
export async function startLoopbackApi(target: DatabaseTarget): Promise<LoopbackApi> {
  const holder: { app?: TestApi } = {};
  const server: ServerType = await new Promise((resolve) => {
    const started = serve(
      {
        fetch: (request: Request) => {
          const app = holder.app;
          if (app === undefined) return new Response('the test API is starting', { status: 503 });
          return app.runtime.app.fetch(request);
        },
        port: 0,
        hostname: '127.0.0.1',
      },
      () => resolve(started),
    );
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  const app = await startTestApi(target, { publicBaseUrl: baseUrl });
  holder.app = app;
  const clock = new TestClock();
  app.runtime.deps.now = clock.now;

  return {
    ...app,
    baseUrl,
    clock,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}

/** Returns a loopback port that nothing listens on, for requests that must fail to connect. */
export async function closedLoopbackPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
