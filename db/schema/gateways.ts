import { index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, timestampColumn, updatedAt } from './columns.js';
import { organizations } from './organizations.js';

export const GATEWAY_STATES = ['pending_enrolment', 'active', 'revoked'] as const;

/**
 * A hospital site's gateway. It authenticates with a bearer credential issued at enrolment (only
 * its SHA-256 is stored) and signs what it submits with the Ed25519 key it generated itself.
 */
export const gateways = pgTable(
  'gateways',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    state: text('state', { enum: GATEWAY_STATES }).notNull(),
    /** Ed25519 public key, SPKI DER encoded as base64. */
    publicKey: text('public_key'),
    credentialHash: text('credential_hash'),
    version: text('version'),
    capabilities: jsonb('capabilities').$type<Record<string, unknown>>(),
    lastSeenAt: timestampColumn('last_seen_at'),
    enrolledAt: timestampColumn('enrolled_at'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('gateways_organization_id_idx').on(table.organizationId),
    uniqueIndex('gateways_credential_hash_idx').on(table.credentialHash),
  ],
);

/** One-time enrolment tokens: single use, expiring, stored as SHA-256. */
export const enrolmentTokens = pgTable(
  'enrolment_tokens',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    gatewayId: text('gateway_id')
      .notNull()
      .references(() => gateways.id),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestampColumn('expires_at').notNull(),
    usedAt: timestampColumn('used_at'),
    createdAt: createdAt(),
  },
  (table) => [
    index('enrolment_tokens_organization_id_idx').on(table.organizationId),
    uniqueIndex('enrolment_tokens_token_hash_idx').on(table.tokenHash),
  ],
);
