import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns.js';
import { organizations } from './organizations.js';
import { partnerships } from './partnerships.js';

export const PROJECT_STATES = ['active', 'frozen'] as const;

/**
 * A research question inside an active partnership. `organizationId` is the creating member;
 * every member of the partnership sees the project. Ending the partnership freezes it.
 */
export const projects = pgTable(
  'projects',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    partnershipId: text('partnership_id')
      .notNull()
      .references(() => partnerships.id),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    state: text('state', { enum: PROJECT_STATES }).notNull().default('active'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('projects_organization_id_idx').on(table.organizationId),
    index('projects_partnership_id_idx').on(table.partnershipId),
  ],
);
