import type { Feature, ModelSpec } from './model-spec.js';

/**
 * A dataset held column by column, as the gateway loads it from a CSV or Parquet file. Missing
 * values are `null`. Columns are looked up by name, never by position.
 *
 * - `integer` and `number`: finite numbers (a loader turns NaN into `null`).
 * - `categorical`: text values, each one of `levels` (the declared or inferred level set).
 * - `boolean`: true/false.
 * - `text`: free text such as identifiers, with too many distinct values to be a categorical
 *   feature. It can only be a class outcome, compared as text with the spec's `positive` value
 *   or `levels`.
 */
export type TableColumn =
  | { readonly type: 'integer' | 'number'; readonly values: readonly (number | null)[] }
  | {
      readonly type: 'categorical';
      readonly levels: readonly string[];
      readonly values: readonly (string | null)[];
    }
  | { readonly type: 'boolean'; readonly values: readonly (boolean | null)[] }
  | { readonly type: 'text'; readonly values: readonly (string | null)[] };

export type ColumnType = TableColumn['type'];

export interface ColumnarTable {
  readonly rowCount: number;
  /** Columns in file order; every column has exactly `rowCount` values. */
  readonly columns: ReadonlyMap<string, TableColumn>;
}

/**
 * The numeric inputs of a model, built from a table by `buildDesignMatrix`.
 * `x` is row-major: the value of feature `j` for row `i` is `x[i * p + j]`.
 */
export interface DesignMatrix {
  /** Feature names in column order: numeric columns by name, dummies as `<column>_<level>`. */
  layout: string[];
  n: number;
  p: number;
  x: Float64Array;
  /** Survival outcome: follow-up time, in the unit of the time column. */
  time?: Float64Array;
  /** Survival outcome: 1 for an event, 0 for a censored row. */
  event?: Float64Array;
  /**
   * Class outcome. Binary: 1 for the spec's `positive` value, 0 otherwise. Multi-class: the
   * zero-based index of the row's value in the spec's `outcome.levels`.
   */
  y?: Float64Array;
  /** Kaplan–Meier `groupBy` value of each kept row, as text. */
  group?: string[];
  /** Zero-based indices, in the input table, of the rows kept (ascending). */
  rows: Uint32Array;
  /** Rows dropped for a missing value under `missing: "drop_rows"`; 0 otherwise. */
  droppedRows: number;
}

/** Raised when a table cannot be turned into the matrix that a spec describes. Names the column. */
export class DesignMatrixError extends Error {
  readonly column: string | undefined;
  /** One-based data row (the header is not counted), when one row is at fault. */
  readonly row: number | undefined;

  constructor(message: string, details: { column?: string; row?: number } = {}) {
    super(message);
    this.name = 'DesignMatrixError';
    this.column = details.column;
    this.row = details.row;
  }
}

/**
 * Builds the float64 feature matrix and outcome vectors that a spec describes from a table. With
 * `{ outcome: false }` it builds the features alone, for scoring rows whose outcome is unknown.
 *
 * Numeric features are `(value - center) / scale` (center 0 and scale 1 when absent).
 * Categorical features become treatment-contrast dummies, one per level other than the reference,
 * in the spec's level order, as R's `model.matrix` with `contr.treatment` builds them. A row with a
 * missing value in any column the spec uses is dropped (`drop_rows`) or rejected (`fail`).
 */
export function buildDesignMatrix(table: ColumnarTable, spec: ModelSpec, options: UsedColumnOptions = {}): DesignMatrix {
  const usedColumns = listUsedColumns(spec, options);
  for (const name of usedColumns) {
    requireColumn(table, name);
  }

  const keptRows = selectCompleteRows(table, usedColumns, spec.missing);
  const n = keptRows.length;

  const encoders = spec.features.map((feature) => createFeatureEncoder(table, feature));
  const layout = encoders.flatMap((encoder) => encoder.names);
  const p = layout.length;

  const x = new Float64Array(n * p);
  let offset = 0;
  for (const encoder of encoders) {
    for (let i = 0; i < n; i += 1) {
      encoder.write(keptRows[i]!, x, i * p + offset);
    }
    offset += encoder.names.length;
  }

  const matrix: DesignMatrix = {
    layout,
    n,
    p,
    x,
    rows: keptRows,
    droppedRows: table.rowCount - n,
  };

  const outcome = spec.outcome;
  if (options.outcome === false) {
    // Scoring reads the features only: the rows need no outcome, not even a column for it.
  } else if (outcome.kind === 'survival') {
    matrix.time = encodeSurvivalTime(table, outcome.time, keptRows);
    matrix.event = encodeEventIndicator(table, outcome.event, keptRows);
  } else if (outcome.kind === 'binary') {
    matrix.y = encodeBinaryOutcome(table, outcome.column, outcome.positive, keptRows);
  } else {
    matrix.y = encodeMulticlassOutcome(table, outcome.column, outcome.levels, keptRows);
  }

  if (spec.family === 'kaplan_meier' && spec.groupBy !== undefined) {
    const column = requireColumn(table, spec.groupBy);
    matrix.group = Array.from(keptRows, (row) => String(column.values[row]));
  }

  return matrix;
}

/** Which columns of a spec a computation reads. */
export interface UsedColumnOptions {
  /** False for a computation that scores rows without their outcome (predictions); default true. */
  outcome?: boolean;
}

/** Lists every column a spec reads (features, outcome unless left out, grouping), without duplicates. */
export function listUsedColumns(spec: ModelSpec, options: UsedColumnOptions = {}): string[] {
  const names = spec.features.map((feature) => feature.column);
  if (options.outcome === false) {
    // Left out: the caller reads the features only.
  } else if (spec.outcome.kind === 'survival') {
    names.push(spec.outcome.time, spec.outcome.event);
  } else {
    names.push(spec.outcome.column);
  }
  if (spec.family === 'kaplan_meier' && spec.groupBy !== undefined) {
    names.push(spec.groupBy);
  }
  return [...new Set(names)];
}

function requireColumn(table: ColumnarTable, name: string): TableColumn {
  const column = table.columns.get(name);
  if (column === undefined) {
    const available = [...table.columns.keys()].join(', ');
    throw new DesignMatrixError(
      `column "${name}" is used by the model spec but not found in the dataset (columns: ${available}); ` +
        'rename the file column or change the spec',
      { column: name },
    );
  }
  return column;
}

function selectCompleteRows(
  table: ColumnarTable,
  usedColumns: string[],
  missing: ModelSpec['missing'],
): Uint32Array {
  const complete = new Uint8Array(table.rowCount).fill(1);
  const missingByColumn: { column: string; rows: number }[] = [];

  for (const name of usedColumns) {
    const values = requireColumn(table, name).values;
    let missingRows = 0;
    for (let row = 0; row < table.rowCount; row += 1) {
      if (values[row] === null) {
        missingRows += 1;
        complete[row] = 0;
      }
    }
    if (missingRows > 0) {
      missingByColumn.push({ column: name, rows: missingRows });
    }
  }

  if (missing === 'fail' && missingByColumn.length > 0) {
    const summary = missingByColumn.map((entry) => `"${entry.column}" in ${entry.rows} rows`).join(', ');
    throw new DesignMatrixError(
      `missing values in columns the model uses: ${summary}; ` +
        'complete the data or set the spec\'s "missing" to "drop_rows"',
      { column: missingByColumn[0]!.column },
    );
  }

  const kept: number[] = [];
  for (let row = 0; row < table.rowCount; row += 1) {
    if (complete[row] === 1) {
      kept.push(row);
    }
  }
  return Uint32Array.from(kept);
}

interface FeatureEncoder {
  names: string[];
  /** Writes this feature's values for one table row at `x[start]`, `x[start + 1]`, ... */
  write(row: number, x: Float64Array, start: number): void;
}

function createFeatureEncoder(table: ColumnarTable, feature: Feature): FeatureEncoder {
  const column = requireColumn(table, feature.column);

  if (feature.encoding === 'numeric') {
    const center = feature.center ?? 0;
    const scale = feature.scale ?? 1;
    return {
      names: [feature.column],
      write(row, x, start) {
        x[start] = (readNumber(column, feature.column, row) - center) / scale;
      },
    };
  }

  if (column.type === 'number' || column.type === 'text') {
    throw new DesignMatrixError(
      `column "${feature.column}" has type ${column.type} and cannot be encoded as categorical; ` +
        'declare it as categorical, integer or boolean when adding the dataset, or encode it as numeric',
      { column: feature.column },
    );
  }

  const dummyLevels = feature.levels.filter((level) => level !== feature.reference);
  const levelIndex = new Map(feature.levels.map((level, index) => [level, index]));
  const dummyIndex = new Map(dummyLevels.map((level, index) => [level, index]));

  return {
    names: dummyLevels.map((level) => `${feature.column}_${level}`),
    write(row, x, start) {
      const value = String(column.values[row]);
      if (!levelIndex.has(value)) {
        throw new DesignMatrixError(
          `row ${row + 1}, column "${feature.column}": value "${value}" is not one of the spec's levels ` +
            `(${feature.levels.join(', ')}); correct the value or add the level to the spec`,
          { column: feature.column, row: row + 1 },
        );
      }
      // Float64Array starts zero-filled, so only the dummy of the row's own level needs writing.
      const index = dummyIndex.get(value);
      if (index !== undefined) {
        x[start + index] = 1;
      }
    },
  };
}

function readNumber(column: TableColumn, name: string, row: number): number {
  const value = column.values[row];
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new DesignMatrixError(`row ${row + 1}, column "${name}": value ${value} is not a finite number`, {
        column: name,
        row: row + 1,
      });
    }
    return value;
  }
  if (typeof value === 'boolean') {
    return value ? 1 : 0;
  }
  throw new DesignMatrixError(
    `column "${name}" has type ${column.type} and cannot be used as a number; ` +
      'encode it as categorical in the spec or declare its type as number when adding the dataset',
    { column: name },
  );
}

function encodeSurvivalTime(table: ColumnarTable, name: string, rows: Uint32Array): Float64Array {
  const column = requireColumn(table, name);
  return Float64Array.from(rows, (row) => {
    const time = readNumber(column, name, row);
    if (time < 0) {
      throw new DesignMatrixError(
        `row ${row + 1}, column "${name}": survival time ${time} is negative; follow-up times must be 0 or more`,
        { column: name, row: row + 1 },
      );
    }
    return time;
  });
}

const EVENT_TEXT_VALUES = new Map([
  ['0', 0],
  ['1', 1],
  ['false', 0],
  ['true', 1],
]);

function encodeEventIndicator(table: ColumnarTable, name: string, rows: Uint32Array): Float64Array {
  const column = requireColumn(table, name);
  return Float64Array.from(rows, (row) => {
    const value = column.values[row];
    const event = typeof value === 'boolean' ? Number(value) : EVENT_TEXT_VALUES.get(String(value).toLowerCase());
    if (event === undefined) {
      throw new DesignMatrixError(
        `row ${row + 1}, column "${name}": event indicator "${String(value)}" must be 0 or 1 ` +
          '(1 = event, 0 = censored)',
        { column: name, row: row + 1 },
      );
    }
    return event;
  });
}

function encodeBinaryOutcome(
  table: ColumnarTable,
  name: string,
  positive: string | number,
  rows: Uint32Array,
): Float64Array {
  const column = requireColumn(table, name);
  if (column.type === 'categorical' && !column.levels.includes(String(positive))) {
    throw new DesignMatrixError(
      `column "${name}": positive class "${positive}" is not one of the column's levels ` +
        `(${column.levels.join(', ')}); correct the spec's outcome.positive`,
      { column: name },
    );
  }

  // Compare as text so that `positive: 1` matches an integer column and `positive: "M"` a text one.
  const positiveText = String(positive);
  return Float64Array.from(rows, (row) => (String(column.values[row]) === positiveText ? 1 : 0));
}

function encodeMulticlassOutcome(
  table: ColumnarTable,
  name: string,
  levels: readonly (string | number)[],
  rows: Uint32Array,
): Float64Array {
  const column = requireColumn(table, name);
  const classIndex = new Map(levels.map((level, index) => [String(level), index]));
  const listed = levels.map(String).join(', ');

  if (column.type === 'categorical') {
    const unknown = levels.map(String).filter((level) => !column.levels.includes(level));
    if (unknown.length > 0) {
      throw new DesignMatrixError(
        `column "${name}": class ${unknown.map((level) => `"${level}"`).join(', ')} of outcome.levels is not one of ` +
          `the column's levels (${column.levels.join(', ')}); correct the spec's outcome.levels`,
        { column: name },
      );
    }
  }

  // Compare as text, as the binary outcome does. A value outside the classes is an error, not a
  // silent extra class, because the output layer has exactly one unit per listed level.
  return Float64Array.from(rows, (row) => {
    const value = String(column.values[row]);
    const index = classIndex.get(value);
    if (index === undefined) {
      throw new DesignMatrixError(
        `row ${row + 1}, column "${name}": value "${value}" is not one of the outcome's levels (${listed}); ` +
          'add it to outcome.levels or correct the value',
        { column: name, row: row + 1 },
      );
    }
    return index;
  });
}
