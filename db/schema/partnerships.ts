import { index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, timestampColumn, updatedAt } from './columns.js';
import { organizations } from './organizations.js';

export const PARTNERSHIP_STATES = ['proposed', 'active', 'declined', 'ended'] as const;
export type PartnershipState = (typeof PARTNERSHIP_STATES)[number];
export const MEMBER_STATES = ['proposer', 'invited', 'accepted', 'declined'] as const;

/**
 * A research collaboration between two or more organizations. `organizationId` is the proposer;
 * every member organization sees the partnership through `partnershipMembers`.
 */
export const partnerships = pgTable(
  'partnerships',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    purpose: text('purpose').notNull(),
    endsOn: text('ends_on').notNull(),
    state: text('state', { enum: PARTNERSHIP_STATES }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    endedAt: timestampColumn('ended_at'),
    endedBy: text('ended_by'),
  },
  (table) => [index('partnerships_organization_id_idx').on(table.organizationId)],
);

export const partnershipMembers = pgTable(
  'partnership_members',
  {
    partnershipId: text('partnership_id')
      .notNull()
      .references(() => partnerships.id),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    state: text('state', { enum: MEMBER_STATES }).notNull(),
    respondedAt: timestampColumn('responded_at'),
    createdAt: createdAt(),
  },
  (table) => [
    primaryKey({ columns: [table.partnershipId, table.organizationId] }),
    index('partnership_members_organization_id_idx').on(table.organizationId),
  ],
);
