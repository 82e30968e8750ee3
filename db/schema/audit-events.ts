import { bigint, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

import { organizations } from './organizations.js';

/**
 * Append-only, hash-chained record of every state change and approval. Each organization has its
 * own chain: `sequence` counts from 1 and `hash` covers the event's fields and `previousHash`, so
 * editing or deleting any event breaks every later link.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    sequence: bigint('sequence', { mode: 'number' }).notNull(),
    actorType: text('actor_type', { enum: ['api_key', 'gateway', 'operator', 'system'] }).notNull(),
    actorId: text('actor_id').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    requestId: text('request_id'),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    previousHash: text('previous_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (table) => [
    uniqueIndex('audit_events_chain_idx').on(table.organizationId, table.sequence),
    index('audit_events_organization_id_idx').on(table.organizationId),
  ],
);
