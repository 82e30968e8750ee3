import { serve } from '@hono/node-server';
import { createRuntime } from '../runtime/create-runtime.js';
import { runtimeSettingsFromEnv } from '../runtime/runtime-from-env.js';
import { schedulerDependencies } from '../services/jobs/scheduler-dependencies.js';
import { startSweepTimer } from '../services/jobs/sweep.js';
import { localCloudEnv } from './local-env.js';
import { openLocalState } from './local-state.js';

/** Sweep period locally, in milliseconds: leases and deadlines are checked every 5 s. */
const SWEEP_INTERVAL_MS = 5_000;

/**
 * `npm start`: the whole cloud side as one Node process on embedded PGlite (data in .onsite/db)
 * with a filesystem blob store (.onsite/blobs). Environment variables override the defaults, so
 * the same command also runs against PostgreSQL (DATABASE_DRIVER=pg, DATABASE_URL=...).
 */
async function main(): Promise<void> {
  const state = openLocalState();
  const env = localCloudEnv(state, process.env);
  const settings = runtimeSettingsFromEnv(env, { migrate: true });
  const runtime = await createRuntime(settings);
  const { logger } = runtime.deps;
  const stopSweep = startSweepTimer(schedulerDependencies(runtime.deps), SWEEP_INTERVAL_MS);

  const server = serve({ fetch: runtime.app.fetch, port: env.PORT, hostname: '127.0.0.1' }, (info) => {
    const url = `http://127.0.0.1:${info.port}`;
    logger.info({ url, database: settings.database.driver, home: state.home }, 'onsite api listening');
    process.stdout.write(
      [
        '',
        `Onsite API      ${url}`,
        `API reference   ${url}/docs`,
        `OpenAPI         ${url}/openapi.json`,
        `State folder    ${state.home}`,
        '',
        'Create the first organization and its owner key (the secret is printed once):',
        `  ${bootstrapCommand(url, state.home)}`,
        '',
      ].join('\n'),
    );
  });

  server.on('error', (error: NodeJS.ErrnoException) => {
    const detail =
      error.code === 'EADDRINUSE'
        ? `port ${env.PORT} on 127.0.0.1 is already in use; stop the other process or start with PORT=<another port>`
        : error.message;
    process.stderr.write(`onsite api failed to start: ${detail}\n`);
    void runtime.close().then(() => process.exit(1));
  });

  const stop = (signal: string) => {
    logger.info({ signal }, 'onsite api stopping');
    server.close();
    void stopSweep()
      .then(() => runtime.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/**
 * Returns the bootstrap command for this server. It adds ONSITE_HOME and --api only when they
 * differ from the defaults, because bootstrap reads the operator token from the state folder.
 */
function bootstrapCommand(url: string, home: string): string {
  const prefix = process.env.ONSITE_HOME ? `ONSITE_HOME=${home} ` : '';
  const api = url === 'http://127.0.0.1:8787' ? '' : ` --api ${url}`;
  return `${prefix}npm run bootstrap --${api} --name "My hospital" --kind hospital`;
}

main().catch((error: unknown) => {
  process.stderr.write(`onsite api failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
