import { z } from 'zod';

/** Column types the gateway understands; `text` marks identifiers and free text, not usable as features. */
export const COLUMN_TYPES = ['integer', 'number', 'categorical', 'boolean', 'text'] as const;
export const columnTypeSchema = z.enum(COLUMN_TYPES);

/**
 * A categorical column with more distinct values than this is inferred as `text`. It matches the
 * model spec's limit on levels per categorical feature, and keeps identifiers (patient numbers,
 * free-text notes) out of the per-level counts that describe a dataset.
 */
export const MAX_CATEGORICAL_LEVELS = 64;

/** One column's description as stored in the dataset registry. */
export const columnSchemaSchema = z
  .object({
    name: z.string().min(1),
    type: columnTypeSchema,
    /** Levels of a categorical column, in declared order or sorted by code point when inferred. */
    levels: z.array(z.string()).optional(),
    /** Unit of measurement declared by the operator (for example `mm` or `days`). */
    unit: z.string().min(1).optional(),
    /** Whether the type came from the operator's declaration or from the data. */
    source: z.enum(['declared', 'inferred']),
  })
  .strict();
export type ColumnSchema = z.infer<typeof columnSchemaSchema>;

/** The operator's declaration for one column; every field overrides inference. */
export const columnDeclarationSchema = z
  .object({
    type: columnTypeSchema.optional(),
    levels: z.array(z.string().min(1)).min(1).optional(),
    unit: z.string().min(1).optional(),
  })
  .strict()
  .refine((declaration) => declaration.levels === undefined || (declaration.type ?? 'categorical') === 'categorical', {
    message: 'levels can only be declared for a categorical column',
    path: ['levels'],
  })
  .refine((declaration) => declaration.levels === undefined || new Set(declaration.levels).size === declaration.levels.length, {
    message: 'levels must be distinct',
    path: ['levels'],
  });
export type ColumnDeclaration = z.infer<typeof columnDeclarationSchema>;

/** Declarations keyed by column name. */
export type ColumnDeclarations = Readonly<Record<string, ColumnDeclaration>>;
