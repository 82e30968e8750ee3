import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client.js';
import { createLogger } from '../logging/logger.js';
import { handleMigrationEvent, MIGRATIONS_RESOURCE_ID } from './migrate-lambda.js';

interface ReceivedResponse {
  method: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

/** A loopback stand-in for CloudFormation's presigned response bucket. */
let server: Server;
let responseUrl: string;
const received: ReceivedResponse[] = [];

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

beforeAll(async () => {
  server = createServer((request, response) => {
    void readBody(request).then((body) => {
      received.push({ method: request.method ?? '', contentType: request.headers['content-type'], body: JSON.parse(body) as Record<string, unknown> });
      // Close each connection, as S3 may: the handler sends one request per event.
      response.writeHead(200, { connection: 'close' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response?signature=test`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function event(requestType: 'Create' | 'Update' | 'Delete', url: string): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: 'arn:aws:lambda:eu-west-3:123456789012:function:migrate',
    ResponseURL: url,
    StackId: 'arn:aws:cloudformation:eu-west-3:123456789012:stack/onsite/1',
    RequestId: `request-${requestType}`,
    LogicalResourceId: 'Migrations',
    ResourceType: 'Custom::OnsiteMigrations',
    ResourceProperties: { ServiceToken: 'token' },
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update') return { ...common, RequestType: 'Update', PhysicalResourceId: MIGRATIONS_RESOURCE_ID, OldResourceProperties: { ServiceToken: 'token' } };
  return { ...common, RequestType: 'Delete', PhysicalResourceId: MIGRATIONS_RESOURCE_ID };
}

/** Migrates a fresh PGlite database with the real migrations and counts the runs. */
function realMigration(migrationsFolder?: string) {
  const runs = { count: 0, tables: [] as string[] };
  const migrate = async () => {
    runs.count += 1;
    const database = migrationsFolder ? await openDatabase({ driver: 'pglite' }, migrationsFolder) : await openDatabase({ driver: 'pglite' });
    try {
      await database.migrate();
      const result = await database.db.execute(sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`);
      runs.tables = (result.rows as Array<{ table_name: string }>).map((row) => row.table_name);
    } finally {
      await database.close();
    }
  };
  return { runs, migrate };
}

const logger = createLogger({ level: 'silent' });

describe('migration custom resource', () => {
  it.each(['Create', 'Update'] as const)('migrates on %s and PUTs SUCCESS to the response URL', async (requestType) => {
    const { runs, migrate } = realMigration();
    received.length = 0;

    const result = await handleMigrationEvent(event(requestType, responseUrl), { migrate, logger });

    expect(runs.count).toBe(1);
    expect(runs.tables).toEqual(expect.arrayContaining(['jobs', 'rounds', 'tasks', 'results']));
    expect(result).toEqual({ PhysicalResourceId: MIGRATIONS_RESOURCE_ID, Data: { migrated: true } });
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe('PUT');
    expect(received[0]?.contentType ?? '').toBe('');
    expect(received[0]?.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: MIGRATIONS_RESOURCE_ID, RequestId: `request-${requestType}`, LogicalResourceId: 'Migrations' });
  });

  it('does nothing on Delete but still answers SUCCESS', async () => {
    const { runs, migrate } = realMigration();
    received.length = 0;

    await handleMigrationEvent(event('Delete', responseUrl), { migrate, logger });

    expect(runs.count).toBe(0);
    expect(received[0]?.body).toMatchObject({ Status: 'SUCCESS' });
  });

  it('PUTs FAILED with the reason when the migrations fail', async () => {
    const { migrate } = realMigration('/nonexistent/onsite-migrations');
    received.length = 0;

    await handleMigrationEvent(event('Create', responseUrl), { migrate, logger });

    expect(received[0]?.body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: MIGRATIONS_RESOURCE_ID });
    expect(String(received[0]?.body.Reason)).toContain('migrations failed');
  });

  it('returns the result to the CDK provider framework, which sends the response itself', async () => {
    const { runs, migrate } = realMigration();
    received.length = 0;

    const result = await handleMigrationEvent(event('Create', '...'), { migrate, logger });

    expect(result.PhysicalResourceId).toBe(MIGRATIONS_RESOURCE_ID);
    expect(runs.count).toBe(1);
    expect(received).toHaveLength(0);
  });

  it('throws to the CDK provider framework when the migrations fail', async () => {
    const { migrate } = realMigration('/nonexistent/onsite-migrations');

    await expect(handleMigrationEvent(event('Update', '...'), { migrate, logger })).rejects.toThrow();
  });
});
