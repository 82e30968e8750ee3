import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { buildDesignMatrix, DesignMatrixError, listUsedColumns, type ColumnarTable, type TableColumn } from './design-matrix.js';
import { modelSpecSchema, type ModelSpecInput } from './model-spec.js';

// The shared data folder sits beside the repository root.
const DATA_DIR = new URL('../../../../../shared/data/', import.meta.url);

/** Reads a comma-separated file without quoting or missing values, as the shared data files are. */
function readPlainCsv(name: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(new URL(name, DATA_DIR), 'utf8').trimEnd().split('\n');
  return { header: lines[0]!.split(','), rows: lines.slice(1).map((line) => line.split(',')) };
}

function tableFromColumns(columns: Record<string, TableColumn>): ColumnarTable {
  const entries = Object.entries(columns);
  return { rowCount: entries[0]![1].values.length, columns: new Map(entries) };
}

const GBSG2_CATEGORICAL: Record<string, string[]> = {
  horTh: ['no', 'yes'],
  menostat: ['Pre', 'Post'],
  tgrade: ['I', 'II', 'III'],
};

function loadGbsg2Table(): ColumnarTable {
  const { header, rows } = readPlainCsv('gbsg2.csv');
  const columns: Record<string, TableColumn> = {};
  header.forEach((name, index) => {
    const text = rows.map((row) => row[index]!);
    const levels = GBSG2_CATEGORICAL[name];
    columns[name] =
      levels === undefined
        ? { type: 'integer', values: text.map(Number) }
        : { type: 'categorical', levels, values: text };
  });
  return tableFromColumns(columns);
}

const GBSG2_COX_SPEC: ModelSpecInput = {
  family: 'cox_ph',
  outcome: { kind: 'survival', time: 'time', event: 'cens' },
  features: [
    { column: 'horTh', encoding: 'categorical', levels: ['no', 'yes'], reference: 'no' },
    { column: 'age', encoding: 'numeric' },
    { column: 'menostat', encoding: 'categorical', levels: ['Pre', 'Post'], reference: 'Pre' },
    { column: 'tsize', encoding: 'numeric' },
    { column: 'tgrade', encoding: 'categorical', levels: ['I', 'II', 'III'], reference: 'I' },
    { column: 'pnodes', encoding: 'numeric' },
    { column: 'progrec', encoding: 'numeric' },
    { column: 'estrec', encoding: 'numeric' },
  ],
};

describe('buildDesignMatrix', () => {
  it('reproduces the R model.matrix of GBSG2', () => {
    const matrix = buildDesignMatrix(loadGbsg2Table(), modelSpecSchema.parse(GBSG2_COX_SPEC));
    const expected = readPlainCsv('gbsg2_design.csv');

    expect(matrix.layout).toEqual(expected.header.slice(2));
    expect(matrix.n).toBe(686);
    expect(matrix.p).toBe(9);
    expect(matrix.droppedRows).toBe(0);

    expected.rows.forEach((row, i) => {
      expect(matrix.time![i], `time of row ${i + 1}`).toBe(Number(row[0]));
      expect(matrix.event![i], `event of row ${i + 1}`).toBe(Number(row[1]));
      const actual = Array.from(matrix.x.subarray(i * 9, (i + 1) * 9));
      expect(actual, `features of row ${i + 1}`).toEqual(row.slice(2).map(Number));
    });
  });

  it('matches columns by name whatever their file order', () => {
    const table = loadGbsg2Table();
    const reversed: ColumnarTable = { rowCount: table.rowCount, columns: new Map([...table.columns].reverse()) };
    const spec = modelSpecSchema.parse(GBSG2_COX_SPEC);

    expect(buildDesignMatrix(reversed, spec).x).toEqual(buildDesignMatrix(table, spec).x);
  });

  it('centres and scales numeric features', () => {
    const table = tableFromColumns({
      age: { type: 'number', values: [40, 50, 70] },
      label: { type: 'categorical', levels: ['B', 'M'], values: ['B', 'M', 'M'] },
    });
    const spec = modelSpecSchema.parse({
      family: 'logistic_regression',
      outcome: { kind: 'binary', column: 'label', positive: 'M' },
      features: [{ column: 'age', encoding: 'numeric', center: 50, scale: 10 }],
    });

    const matrix = buildDesignMatrix(table, spec);

    expect(Array.from(matrix.x)).toEqual([-1, 0, 2]);
    expect(Array.from(matrix.y!)).toEqual([0, 1, 1]);
  });

  it('drops rows with missing values and reports how many', () => {
    const table = tableFromColumns({
      age: { type: 'integer', values: [40, null, 70, 60] },
      time: { type: 'number', values: [10, 20, null, 40] },
      status: { type: 'boolean', values: [true, false, true, false] },
      unused: { type: 'integer', values: [null, null, null, null] },
    });
    const spec = modelSpecSchema.parse({
      family: 'cox_ph',
      missing: 'drop_rows',
      outcome: { kind: 'survival', time: 'time', event: 'status' },
      features: [{ column: 'age', encoding: 'numeric' }],
    });

    const matrix = buildDesignMatrix(table, spec);

    expect(matrix.droppedRows).toBe(2);
    expect(Array.from(matrix.rows)).toEqual([0, 3]);
    expect(Array.from(matrix.x)).toEqual([40, 60]);
    expect(Array.from(matrix.time!)).toEqual([10, 40]);
    expect(Array.from(matrix.event!)).toEqual([1, 0]);
  });

  it('returns the group of each kept row for a grouped Kaplan–Meier spec', () => {
    const table = tableFromColumns({
      time: { type: 'number', values: [5, 6, 7] },
      event: { type: 'integer', values: [1, 0, 1] },
      arm: { type: 'categorical', levels: ['a', 'b'], values: ['a', null, 'b'] },
    });
    const spec = modelSpecSchema.parse({
      family: 'kaplan_meier',
      missing: 'drop_rows',
      groupBy: 'arm',
      outcome: { kind: 'survival', time: 'time', event: 'event' },
    });

    const matrix = buildDesignMatrix(table, spec);

    expect(listUsedColumns(spec)).toEqual(['time', 'event', 'arm']);
    expect(matrix.p).toBe(0);
    expect(matrix.group).toEqual(['a', 'b']);
    expect(matrix.droppedRows).toBe(1);
  });

  it('encodes a multi-class outcome as the index of its level, in the spec\'s order', () => {
    const spec = modelSpecSchema.parse({
      family: 'mlp_classifier',
      outcome: { kind: 'multiclass', column: 'tgrade', levels: ['III', 'I', 'II'] },
      features: [{ column: 'age', encoding: 'numeric' }],
      hyperparameters: { hiddenLayers: [4] },
    });

    const table = loadGbsg2Table();
    const matrix = buildDesignMatrix(table, spec);
    const grades = table.columns.get('tgrade')!.values;

    expect(matrix.n).toBe(686);
    const expected = grades.map((grade) => ['III', 'I', 'II'].indexOf(grade as string));
    expect(Array.from(matrix.y!)).toEqual(expected);
    // GBSG2 has 81 grade I, 444 grade II and 161 grade III tumours.
    expect([0, 1, 2].map((index) => expected.filter((value) => value === index).length)).toEqual([161, 81, 444]);
  });

  it('matches numeric class levels with an integer column as text', () => {
    const table = tableFromColumns({
      size: { type: 'number', values: [1, 2, 3, 4] },
      stage: { type: 'integer', values: [2, 1, 3, 1] },
    });
    const spec = modelSpecSchema.parse({
      family: 'mlp_classifier',
      outcome: { kind: 'multiclass', column: 'stage', levels: [1, 2, 3] },
      features: [{ column: 'size', encoding: 'numeric' }],
      hyperparameters: { hiddenLayers: [2] },
    });

    expect(Array.from(buildDesignMatrix(table, spec).y!)).toEqual([1, 0, 2, 0]);
  });

  it('rejects a feature that reads the outcome column', () => {
    const parsed = modelSpecSchema.safeParse({
      family: 'cox_ph',
      outcome: { kind: 'survival', time: 'time', event: 'cens' },
      features: [{ column: 'age', encoding: 'numeric' }, { column: 'cens', encoding: 'numeric' }],
    });

    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['features', 1, 'column']);
    expect(parsed.error?.issues[0]?.message).toContain('column "cens" is the outcome; remove it from the features');
  });

  it('builds the features alone for scoring, without an outcome column', () => {
    const table = tableFromColumns({
      age: { type: 'number', values: [40, 50, 70] },
      grade: { type: 'categorical', levels: ['I', 'II'], values: ['I', null, 'II'] },
    });
    const spec = modelSpecSchema.parse({
      family: 'mlp_classifier',
      outcome: { kind: 'multiclass', column: 'stage', levels: ['a', 'b'] },
      features: [{ column: 'age', encoding: 'numeric' }],
      hyperparameters: { hiddenLayers: [2] },
    });

    const matrix = buildDesignMatrix(table, spec, { outcome: false });

    expect(Array.from(matrix.x)).toEqual([40, 50, 70]);
    expect(matrix.y).toBeUndefined();
    expect(listUsedColumns(spec, { outcome: false })).toEqual(['age']);
    expect(() => buildDesignMatrix(table, spec)).toThrow('column "stage" is used by the model spec but not found in the dataset');
  });

  it('rejects a column listed twice in the features', () => {
    const parsed = modelSpecSchema.safeParse({
      family: 'logistic_regression',
      outcome: { kind: 'binary', column: 'diagnosis', positive: 'M' },
      features: [{ column: 'age', encoding: 'numeric' }, { column: 'size', encoding: 'numeric' }, { column: 'age', encoding: 'numeric', scale: 10 }],
    });

    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['features', 2, 'column']);
    expect(parsed.error?.issues[0]?.message).toBe('column "age" is already feature 0; list each column once');
  });

  it('rejects multi-class levels that are listed twice', () => {
    const parsed = modelSpecSchema.safeParse({
      family: 'mlp_classifier',
      outcome: { kind: 'multiclass', column: 'stage', levels: [1, '1', 2] },
      features: [{ column: 'size', encoding: 'numeric' }],
      hyperparameters: { hiddenLayers: [2] },
    });

    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('level \\"1\\" appears twice');
  });

  const baseTable = (): Record<string, TableColumn> => ({
    time: { type: 'number', values: [5, 6, 7] },
    event: { type: 'integer', values: [1, 0, 1] },
    grade: { type: 'categorical', levels: ['I', 'II', 'IV'], values: ['I', 'II', 'IV'] },
    size: { type: 'number', values: [1.5, null, 2] },
    note: { type: 'text', values: ['x', 'y', 'z'] },
    age: { type: 'number', values: [50, 60, 70] },
  });
  const coxSpec = (features: unknown[], overrides: Record<string, unknown> = {}) =>
    modelSpecSchema.parse({
      family: 'cox_ph',
      outcome: { kind: 'survival', time: 'time', event: 'event' },
      features,
      ...overrides,
    });

  it.each<{ case: string; table: Record<string, TableColumn>; spec: ReturnType<typeof coxSpec>; message: string }>([
    {
      case: 'a column absent from the dataset',
      table: baseTable(),
      spec: coxSpec([{ column: 'weight', encoding: 'numeric' }]),
      message: 'column "weight" is used by the model spec but not found in the dataset',
    },
    {
      case: 'a level absent from the spec',
      table: baseTable(),
      spec: coxSpec([{ column: 'grade', encoding: 'categorical', levels: ['I', 'II', 'III'], reference: 'I' }]),
      message: 'row 3, column "grade": value "IV" is not one of the spec\'s levels (I, II, III)',
    },
    {
      case: 'missing values under the fail policy',
      table: baseTable(),
      spec: coxSpec([{ column: 'size', encoding: 'numeric' }]),
      message: 'missing values in columns the model uses: "size" in 1 rows',
    },
    {
      case: 'a categorical column used as a number',
      table: baseTable(),
      spec: coxSpec([{ column: 'grade', encoding: 'numeric' }]),
      message: 'column "grade" has type categorical and cannot be used as a number',
    },
    {
      case: 'a text column used as categorical',
      table: baseTable(),
      spec: coxSpec([{ column: 'note', encoding: 'categorical', levels: ['x', 'y'], reference: 'x' }]),
      message: 'column "note" has type text and cannot be encoded as categorical',
    },
    {
      case: 'an event indicator other than 0 or 1',
      table: { ...baseTable(), event: { type: 'integer', values: [1, 2, 0] } },
      spec: coxSpec([{ column: 'age', encoding: 'numeric' }]),
      message: 'row 2, column "event": event indicator "2" must be 0 or 1',
    },
    {
      case: 'a negative survival time',
      table: { ...baseTable(), time: { type: 'number', values: [5, -1, 7] } },
      spec: coxSpec([{ column: 'age', encoding: 'numeric' }]),
      message: 'row 2, column "time": survival time -1 is negative',
    },
    {
      case: 'an infinite numeric value',
      table: { ...baseTable(), size: { type: 'number', values: [1, Infinity, 2] } },
      spec: coxSpec([{ column: 'size', encoding: 'numeric' }]),
      message: 'row 2, column "size": value Infinity is not a finite number',
    },
    {
      case: 'a positive class absent from the levels',
      table: baseTable(),
      spec: modelSpecSchema.parse({
        family: 'logistic_regression',
        outcome: { kind: 'binary', column: 'grade', positive: 'III' },
        features: [{ column: 'time', encoding: 'numeric' }],
      }),
      message: 'column "grade": positive class "III" is not one of the column\'s levels',
    },
    {
      case: 'a multi-class level absent from the column',
      table: baseTable(),
      spec: modelSpecSchema.parse({
        family: 'mlp_classifier',
        outcome: { kind: 'multiclass', column: 'grade', levels: ['I', 'II', 'III'] },
        features: [{ column: 'time', encoding: 'numeric' }],
        hyperparameters: { hiddenLayers: [2] },
      }),
      message: 'column "grade": class "III" of outcome.levels is not one of the column\'s levels (I, II, IV)',
    },
    {
      case: 'a row whose class is not in the multi-class levels',
      table: baseTable(),
      spec: modelSpecSchema.parse({
        family: 'mlp_classifier',
        outcome: { kind: 'multiclass', column: 'note', levels: ['x', 'y'] },
        features: [{ column: 'time', encoding: 'numeric' }],
        hyperparameters: { hiddenLayers: [2] },
      }),
      message: 'row 3, column "note": value "z" is not one of the outcome\'s levels (x, y); add it to outcome.levels',
    },
  ])('rejects $case', ({ table, spec, message }) => {
    const build = () => buildDesignMatrix(tableFromColumns(table), spec);

    expect(build).toThrow(DesignMatrixError);
    expect(build).toThrow(message);
  });
});
