import { z } from '@hono/zod-openapi';
import { COLUMN_TYPES } from '../../../../db/schema/index.js';
import type { DatasetRow } from '../../../services/datasets/register-dataset.js';
import { idSchema, nameSchema, timestampSchema } from '../../schemas/common.js';

/** Limits that keep a description a description: a row-level payload cannot fit through them. */
export const DATASET_LIMITS = {
  columns: 2000,
  levelsPerColumn: 200,
  descriptionLength: 4000,
  /** Bytes: a dataset description is a few kilobytes; far larger bodies are rejected before parsing. */
  bodyBytes: 256 * 1024,
} as const;

const levelSchema = z.string().min(1).max(128);

export const datasetColumnSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'use letters, digits, "_" and "." and start with a letter or "_"'),
    type: z.enum(COLUMN_TYPES),
    unit: z.string().min(1).max(32).optional().openapi({ example: 'mm' }),
    levels: z.array(levelSchema).min(2).max(DATASET_LIMITS.levelsPerColumn).optional(),
    description: z.string().max(500).optional(),
  })
  .strict()
  .superRefine((column, context) => {
    if (column.type === 'categorical' && !column.levels) {
      context.addIssue({ code: 'custom', path: ['levels'], message: 'a categorical column needs its levels' });
    }
    if (column.type !== 'categorical' && column.levels) {
      context.addIssue({ code: 'custom', path: ['levels'], message: `only categorical columns have levels; this one is ${column.type}` });
    }
    if (column.levels && new Set(column.levels).size !== column.levels.length) {
      context.addIssue({ code: 'custom', path: ['levels'], message: 'levels must be distinct' });
    }
  })
  .openapi('DatasetColumn');

export const datasetDescriptionSchema = z
  .object({
    name: nameSchema.openapi({ example: 'GBSG2 relapse cohort' }),
    description: z.string().max(DATASET_LIMITS.descriptionLength).default(''),
    columns: z.array(datasetColumnSchema).min(1).max(DATASET_LIMITS.columns),
    rowCount: z.number().int().min(0).max(1_000_000_000).openapi({ description: 'Number of rows, possibly rounded by the site policy.' }),
  })
  .strict()
  .superRefine((dataset, context) => {
    const seen = new Set<string>();
    dataset.columns.forEach((column, index) => {
      if (seen.has(column.name)) context.addIssue({ code: 'custom', path: ['columns', index, 'name'], message: `column ${column.name} appears twice` });
      seen.add(column.name);
    });
  })
  .openapi('DatasetDescription', { description: 'Metadata only: schema and counts. Rows are never accepted.' });

export const datasetSchema = z
  .object({
    id: idSchema('dataset'),
    organizationId: idSchema('organization'),
    gatewayId: idSchema('gateway'),
    name: z.string(),
    description: z.string(),
    columns: z.array(datasetColumnSchema),
    rowCount: z.number().int(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .openapi('Dataset');

export function toDataset(row: DatasetRow): z.infer<typeof datasetSchema> {
  return {
    id: row.id,
    organizationId: row.organizationId,
    gatewayId: row.gatewayId,
    name: row.name,
    description: row.description,
    columns: row.columns,
    rowCount: row.rowCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
