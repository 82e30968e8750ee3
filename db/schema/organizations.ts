import { index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, timestampColumn, updatedAt } from './columns.js';

export const ORGANIZATION_KINDS = ['hospital', 'research_lab', 'company'] as const;
export const ROLES = ['owner', 'admin', 'data_scientist', 'data_officer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** The tenant: a hospital, a research lab or a company. */
export const organizations = pgTable('organizations', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind', { enum: ORGANIZATION_KINDS }).notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * API keys of people and services acting for an organization. Only the SHA-256 of the secret is
 * stored; `prefix` is the first characters of the secret, shown in listings so a user can tell
 * keys apart without the secret.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    prefix: text('prefix').notNull(),
    secretHash: text('secret_hash').notNull(),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    lastUsedAt: timestampColumn('last_used_at'),
    revokedAt: timestampColumn('revoked_at'),
  },
  (table) => [
    index('api_keys_organization_id_idx').on(table.organizationId, table.createdAt, table.id),
    uniqueIndex('api_keys_secret_hash_idx').on(table.secretHash),
  ],
);

/**
 * Responses remembered for `Idempotency-Key` retries of creating requests. `scope` is the caller's
 * organization id (or `operator`), so keys never collide across tenants; the request hash covers
 * method, path and body, so the same key with another body is detected and rejected.
 */
export const idempotencyRecords = pgTable(
  'idempotency_records',
  {
    scope: text('scope').notNull(),
    principalId: text('principal_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code').notNull(),
    responseBody: jsonb('response_body').notNull(),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('idempotency_records_key_idx').on(table.scope, table.principalId, table.key)],
);
