import type { ColumnType, TableColumn } from '@onsite/compute';

import { MAX_CATEGORICAL_LEVELS, type ColumnDeclaration, type ColumnSchema } from './column-schema.js';

/** A cell as a file reader returns it, before typing: text from CSV, typed values from Parquet. */
export type RawValue = string | number | boolean | null;

/** One column as read from a file, with a way to name a cell's place in that file for errors. */
export interface RawColumn {
  name: string;
  values: RawValue[];
  /** Describes where the cell at `row` (0-based data row) sits, for example `line 12, column 3 ("age")`. */
  locate(row: number): string;
}

/** Raised when a file's content does not fit its declared or inferred schema; names the cell. */
export class DataFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DataFileError';
  }
}

/** Text values read as missing, as R's `read.csv` reads `NA` and an empty field. */
const MISSING_TEXT = new Set(['', 'NA', 'NaN']);

const INTEGER_PATTERN = /^[+-]?\d+$/;
const NUMBER_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEAN_TEXT = new Map([
  ['true', true],
  ['false', false],
]);
/** Extra spellings accepted when the operator declares a column as boolean. */
const DECLARED_BOOLEAN_TEXT = new Map([
  ['true', true],
  ['false', false],
  ['yes', true],
  ['no', false],
  ['1', true],
  ['0', false],
]);

/**
 * Types one raw column: the declaration's type and levels when given, otherwise the narrowest of
 * boolean, integer, number, categorical and text that fits every non-missing value. Text is trimmed
 * of surrounding spaces and tabs, and `NA`, `NaN` and empty text are missing.
 */
export function buildColumn(raw: RawColumn, declaration: ColumnDeclaration = {}): { column: TableColumn; schema: ColumnSchema } {
  const values = raw.values.map(normaliseRawValue);
  const declaredType = declaration.type ?? (declaration.levels === undefined ? undefined : 'categorical');
  const type = declaredType ?? inferColumnType(values);

  const column = convertColumn(raw, values, type, declaration.levels);
  const schema: ColumnSchema = {
    name: raw.name,
    type,
    source: declaredType === undefined ? 'inferred' : 'declared',
  };
  if (column.type === 'categorical') {
    schema.levels = [...column.levels];
  }
  if (declaration.unit !== undefined) {
    schema.unit = declaration.unit;
  }
  return { column, schema };
}

function normaliseRawValue(value: RawValue): RawValue {
  if (typeof value === 'string') {
    const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, '');
    return MISSING_TEXT.has(trimmed) ? null : trimmed;
  }
  if (typeof value === 'number' && Number.isNaN(value)) {
    return null;
  }
  return value;
}

/** Infers a column type from its non-missing values; an all-missing column is `number`. */
export function inferColumnType(values: readonly RawValue[]): ColumnType {
  const present = values.filter((value) => value !== null);

  if (present.every((value) => typeof value === 'boolean' || (typeof value === 'string' && BOOLEAN_TEXT.has(value.toLowerCase())))) {
    // NOTE: an all-missing column has no evidence for any type and is reported as number.
    return present.length === 0 ? 'number' : 'boolean';
  }
  if (present.every((value) => (typeof value === 'number' && Number.isSafeInteger(value)) || isIntegerText(value))) {
    return 'integer';
  }
  if (present.every((value) => typeof value === 'number' || (typeof value === 'string' && NUMBER_PATTERN.test(value)))) {
    return 'number';
  }
  return new Set(present.map(String)).size <= MAX_CATEGORICAL_LEVELS ? 'categorical' : 'text';
}

function isIntegerText(value: RawValue): boolean {
  return typeof value === 'string' && INTEGER_PATTERN.test(value) && Number.isSafeInteger(Number(value));
}

function convertColumn(
  raw: RawColumn,
  values: RawValue[],
  type: ColumnType,
  declaredLevels: string[] | undefined,
): TableColumn {
  switch (type) {
    case 'integer':
      return { type, values: values.map((value, row) => (value === null ? null : toInteger(raw, row, value))) };
    case 'number':
      return { type, values: values.map((value, row) => (value === null ? null : toNumber(raw, row, value))) };
    case 'boolean':
      return { type, values: values.map((value, row) => (value === null ? null : toBoolean(raw, row, value))) };
    case 'text':
      return { type, values: values.map((value) => (value === null ? null : String(value))) };
    case 'categorical':
      return toCategorical(raw, values, declaredLevels);
  }
}

function toInteger(raw: RawColumn, row: number, value: Exclude<RawValue, null>): number {
  if (typeof value === 'boolean') {
    return value ? 1 : 0;
  }
  const number = typeof value === 'number' ? value : isIntegerText(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number)) {
    throw invalidValue(raw, row, value, 'an integer', 'number');
  }
  return number;
}

function toNumber(raw: RawColumn, row: number, value: Exclude<RawValue, null>): number {
  if (typeof value === 'boolean') {
    return value ? 1 : 0;
  }
  const number = typeof value === 'number' ? value : NUMBER_PATTERN.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(number)) {
    throw invalidValue(raw, row, value, 'a finite number', 'categorical');
  }
  return number;
}

function toBoolean(raw: RawColumn, row: number, value: Exclude<RawValue, null>): boolean {
  if (typeof value === 'boolean') {
    return value;
  }
  const parsed = DECLARED_BOOLEAN_TEXT.get(String(value).toLowerCase());
  if (parsed === undefined) {
    throw invalidValue(raw, row, value, 'a boolean (true/false, yes/no or 1/0)', 'categorical');
  }
  return parsed;
}

function toCategorical(raw: RawColumn, values: RawValue[], declaredLevels: string[] | undefined): TableColumn {
  const text = values.map((value) => (value === null ? null : String(value)));

  if (declaredLevels === undefined) {
    // Code-point order rather than locale order, so every site infers the same level order.
    const levels = [...new Set(text.filter((value) => value !== null))].sort(compareCodePoints);
    return { type: 'categorical', levels, values: text };
  }

  const allowed = new Set(declaredLevels);
  text.forEach((value, row) => {
    if (value !== null && !allowed.has(value)) {
      throw new DataFileError(
        `${raw.locate(row)}: value "${value}" is not one of the declared levels (${declaredLevels.join(', ')}); ` +
          'correct the value or add it to --levels',
      );
    }
  });
  return { type: 'categorical', levels: [...declaredLevels], values: text };
}

function invalidValue(raw: RawColumn, row: number, value: RawValue, expected: string, suggestedType: string): DataFileError {
  return new DataFileError(
    `${raw.locate(row)}: value "${String(value)}" is not ${expected}; ` +
      `correct the value or declare the column's type (--type ${raw.name}=${suggestedType})`,
  );
}

function compareCodePoints(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}
