import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';
import { openDatabase } from '../../db/client.js';
import { databaseConfigFromEnv, loadCloudEnv } from '../config/env.js';
import { createLogger, type Logger } from '../logging/logger.js';

/** Physical id of the migrations resource: there is one per stack, and it never changes. */
export const MIGRATIONS_RESOURCE_ID = 'onsite-database-migrations';

/** Maximum length of the failure reason, in characters, because CloudFormation limits the whole response to 4,096 bytes. */
const MAX_REASON_LENGTH = 1000;

export interface MigrationHandlerOptions {
  /** Applies the pending migrations; the real one opens the database the environment names. */
  migrate: () => Promise<void>;
  logger: Logger;
  /** HTTP client that sends the response to a presigned ResponseURL; `fetch` by default. */
  send?: typeof fetch;
}

export interface MigrationResult {
  PhysicalResourceId: string;
  Data: { migrated: boolean };
}

/**
 * Handles the custom resource event. Create and Update apply the migrations. Delete does nothing,
 * because dropping the schema with the stack would destroy the data, and the database has its own
 * removal policy.
 *
 * Two callers are supported. The CDK provider framework invokes the handler with a placeholder
 * ResponseURL and sends the response itself: the handler returns the result, or throws to report a
 * failure. CloudFormation invoking the function directly passes a presigned S3 URL: the handler
 * then PUTs the SUCCESS or FAILED response there, as CloudFormation waits for it (up to an hour).
 */
export async function handleMigrationEvent(event: CloudFormationCustomResourceEvent, options: MigrationHandlerOptions): Promise<MigrationResult> {
  const physicalResourceId = event.RequestType === 'Create' ? MIGRATIONS_RESOURCE_ID : event.PhysicalResourceId;
  const respondsItself = /^https?:\/\//.test(event.ResponseURL);

  let outcome: { ok: true; result: MigrationResult } | { ok: false; error: unknown };
  try {
    if (event.RequestType !== 'Delete') {
      options.logger.info({ requestType: event.RequestType, logicalResourceId: event.LogicalResourceId }, 'applying database migrations');
      await options.migrate();
      options.logger.info({ requestType: event.RequestType }, 'database migrations applied');
    }
    outcome = { ok: true, result: { PhysicalResourceId: physicalResourceId, Data: { migrated: event.RequestType !== 'Delete' } } };
  } catch (error) {
    options.logger.error({ err: error, requestType: event.RequestType }, 'database migrations failed');
    outcome = { ok: false, error };
  }

  if (!respondsItself) {
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  const response: CloudFormationCustomResourceResponse<{ migrated: boolean }> = outcome.ok
    ? { Status: 'SUCCESS', PhysicalResourceId: physicalResourceId, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId, Data: outcome.result.Data }
    : {
        Status: 'FAILED',
        Reason: failureReason(outcome.error),
        PhysicalResourceId: physicalResourceId,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
      };
  await sendResponse(options.send ?? fetch, event.ResponseURL, response);
  return { PhysicalResourceId: physicalResourceId, Data: { migrated: outcome.ok && event.RequestType !== 'Delete' } };
}

function failureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `migrations failed: ${message}; see the function's log`.slice(0, MAX_REASON_LENGTH);
}

/**
 * PUTs the response to the presigned URL. CloudFormation signs the URL without a content type, so
 * the request sends an empty one.
 */
async function sendResponse(send: typeof fetch, url: string, response: CloudFormationCustomResourceResponse): Promise<void> {
  const body = JSON.stringify(response);
  const reply = await send(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) }, body });
  if (!reply.ok) {
    throw new Error(`sending the custom resource response failed with HTTP ${reply.status}; CloudFormation will time out waiting for it`);
  }
}

/** Applies the migrations shipped beside the bundle to the database the environment names (Lambda entry point). */
export async function handler(event: CloudFormationCustomResourceEvent): Promise<MigrationResult> {
  const env = loadCloudEnv();
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'onsite-migrate' });
  return handleMigrationEvent(event, {
    logger,
    migrate: async () => {
      const database = await openDatabase(databaseConfigFromEnv(env));
      try {
        await database.migrate();
      } finally {
        await database.close();
      }
    },
  });
}
