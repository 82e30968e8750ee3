// Entry files of the Lambda handlers, relative to the repository root. Each exports `handler`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { PROJECT_ROOT } from './bundling.js';

export const HANDLER_ENTRIES = {
  /** Hono app behind the HTTP API (API Gateway v2 payload format 2.0 events). */
  api: 'functions/api/lambda.ts',
  /** SQS consumer: one message per submitted result, runs the round's aggregation. */
  aggregate: 'functions/workers/aggregate-lambda.ts',
  /** Scheduled every minute: expires task leases and closes rounds past their deadline. */
  sweep: 'functions/workers/sweep-lambda.ts',
  /** Custom resource: applies the drizzle migrations shipped beside the bundle. */
  migrate: 'functions/workers/migrate-lambda.ts',
} as const;

export type HandlerName = keyof typeof HANDLER_ENTRIES;

/** Folder of drizzle SQL migrations, copied into the migrate function's bundle. */
export const MIGRATIONS_DIR = 'db/migrations';

export function handlerEntryPath(name: HandlerName): string {
  return join(PROJECT_ROOT, HANDLER_ENTRIES[name]);
}

/** Returns the entry files that do not exist yet, as repository-relative paths. */
export function listMissingHandlerEntries(): string[] {
  return Object.values(HANDLER_ENTRIES).filter((entry) => !existsSync(join(PROJECT_ROOT, entry)));
}
