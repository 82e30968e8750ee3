import { index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, timestampColumn, updatedAt } from './columns.js';
import { gateways } from './gateways.js';
import { organizations } from './organizations.js';
import { projects } from './projects.js';

export const COLUMN_TYPES = ['number', 'integer', 'categorical', 'boolean'] as const;

export interface DatasetColumn {
  name: string;
  type: (typeof COLUMN_TYPES)[number];
  unit?: string;
  levels?: string[];
  description?: string;
}

/** A dataset's description registered by a gateway: schema and counts, never a row. */
export const datasets = pgTable(
  'datasets',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    gatewayId: text('gateway_id')
      .notNull()
      .references(() => gateways.id),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    columns: jsonb('columns').$type<DatasetColumn[]>().notNull(),
    rowCount: integer('row_count').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('datasets_organization_id_idx').on(table.organizationId),
    uniqueIndex('datasets_gateway_name_idx').on(table.gatewayId, table.name),
  ],
);

export const DATASET_LINK_STATES = ['requested', 'approved', 'rejected', 'revoked'] as const;

/**
 * A project's request to use a dataset. `organizationId` is the dataset's owner, whose data
 * officer or admin decides; `requestedByOrganizationId` is the project member who asked.
 */
export const datasetLinks = pgTable(
  'dataset_links',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    requestedByOrganizationId: text('requested_by_organization_id')
      .notNull()
      .references(() => organizations.id),
    requestedBy: text('requested_by').notNull(),
    state: text('state', { enum: DATASET_LINK_STATES }).notNull(),
    decidedBy: text('decided_by'),
    decidedAt: timestampColumn('decided_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('dataset_links_organization_id_idx').on(table.organizationId),
    index('dataset_links_project_id_idx').on(table.projectId),
    uniqueIndex('dataset_links_project_dataset_idx').on(table.projectId, table.datasetId),
  ],
);
