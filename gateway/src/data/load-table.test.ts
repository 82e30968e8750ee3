import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildDesignMatrix, modelSpecSchema } from '@onsite/compute';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';

import { countTable, roundCount } from './counts.js';
import { DataFileError } from './build-columns.js';
import { loadRegisteredDataset } from './load-dataset.js';
import { loadTable } from './load-table.js';
import type { ColumnDeclarations } from './column-schema.js';

const GBSG2_CSV = new URL('../../../../shared/data/gbsg2.csv', import.meta.url).pathname;
const GBSG2_DESIGN_CSV = new URL('../../../../shared/data/gbsg2_design.csv', import.meta.url).pathname;

let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'onsite-data-'));
});

function writeCsv(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

describe('loadTable on CSV', () => {
  it('infers the GBSG2 schema', async () => {
    const { schema, table, format } = await loadTable(GBSG2_CSV);

    expect(format).toBe('csv');
    expect(table.rowCount).toBe(686);
    expect(schema.map((column) => [column.name, column.type])).toEqual([
      ['horTh', 'categorical'],
      ['age', 'integer'],
      ['menostat', 'categorical'],
      ['tsize', 'integer'],
      ['tgrade', 'categorical'],
      ['pnodes', 'integer'],
      ['progrec', 'integer'],
      ['estrec', 'integer'],
      ['time', 'integer'],
      ['cens', 'integer'],
    ]);
    expect(schema.find((column) => column.name === 'tgrade')?.levels).toEqual(['I', 'II', 'III']);
    expect(schema.every((column) => column.source === 'inferred')).toBe(true);
  });

  it('feeds the design matrix that R builds for GBSG2', async () => {
    const { table } = await loadTable(GBSG2_CSV, {
      declarations: { menostat: { levels: ['Pre', 'Post'] } },
    });
    const spec = modelSpecSchema.parse({
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
    });

    const matrix = buildDesignMatrix(table, spec);

    const lines = readFileSync(GBSG2_DESIGN_CSV, 'utf8').trimEnd().split('\n');
    expect(matrix.layout).toEqual(lines[0]!.split(',').slice(2));
    const expected = lines.slice(1).flatMap((line) => line.split(',').slice(2).map(Number));
    expect(Array.from(matrix.x)).toEqual(expected);
  });

  it('reads NA, NaN and empty fields as missing', async () => {
    const path = writeCsv('missing.csv', 'age,grade\n50,I\nNA,\n,NaN\n61.5, II \n');

    const { table, schema } = await loadTable(path);

    expect(table.columns.get('age')?.values).toEqual([50, null, null, 61.5]);
    expect(table.columns.get('grade')?.values).toEqual(['I', null, null, 'II']);
    expect(schema.map((column) => column.type)).toEqual(['number', 'categorical']);
  });

  it.each([
    { case: 'integers', text: 'v\n1\n-2\n+3\n', type: 'integer', values: [1, -2, 3] },
    { case: 'decimals', text: 'v\n1\n2.5\n1e3\n', type: 'number', values: [1, 2.5, 1000] },
    { case: 'booleans', text: 'v\ntrue\nFALSE\nTrue\n', type: 'boolean', values: [true, false, true] },
    { case: 'words', text: 'v\nyes\nno\nyes\n', type: 'categorical', values: ['yes', 'no', 'yes'] },
    { case: 'mixed numbers and words', text: 'v\n1\nx\n', type: 'categorical', values: ['1', 'x'] },
    { case: 'only missing values', text: 'v\nNA\n\n""\n', type: 'number', values: [null, null] },
  ])('infers $case', async ({ text, type, values }) => {
    const { table, schema } = await loadTable(writeCsv('infer.csv', text));

    expect(schema[0]?.type).toBe(type);
    expect(table.columns.get('v')?.values).toEqual(values);
  });

  it('infers text for more distinct values than a categorical may have', async () => {
    const ids = Array.from({ length: 65 }, (_, index) => `P${index}`);

    const { schema } = await loadTable(writeCsv('ids.csv', `id\n${ids.join('\n')}\n`));

    expect(schema[0]?.type).toBe('text');
  });

  it('lets declarations override inference', async () => {
    const path = writeCsv('declared.csv', 'grade,size,flag\n1,10,yes\n2,12,no\n3,,1\n');
    const declarations: ColumnDeclarations = {
      grade: { type: 'categorical', levels: ['3', '2', '1'] },
      size: { type: 'number', unit: 'mm' },
      flag: { type: 'boolean' },
    };

    const { table, schema } = await loadTable(path, { declarations });

    expect(schema).toEqual([
      { name: 'grade', type: 'categorical', levels: ['3', '2', '1'], source: 'declared' },
      { name: 'size', type: 'number', unit: 'mm', source: 'declared' },
      { name: 'flag', type: 'boolean', source: 'declared' },
    ]);
    expect(table.columns.get('flag')?.values).toEqual([true, false, true]);
  });

  it.each<{ case: string; text: string; declarations: ColumnDeclarations; message: string }>([
    {
      case: 'a value outside the declared levels',
      text: 'grade\nI\nIV\n',
      declarations: { grade: { levels: ['I', 'II'] } },
      message: 'line 3, column 1 ("grade"): value "IV" is not one of the declared levels (I, II)',
    },
    {
      case: 'a decimal in an integer column',
      text: 'a,n\nx,1\ny,2.5\n',
      declarations: { n: { type: 'integer' } },
      message: 'line 3, column 2 ("n"): value "2.5" is not an integer',
    },
    {
      case: 'a word in a number column',
      text: 'n\n1\nlots\n',
      declarations: { n: { type: 'number' } },
      message: 'line 3, column 1 ("n"): value "lots" is not a finite number',
    },
    {
      case: 'a word in a boolean column',
      text: 'b\nmaybe\n',
      declarations: { b: { type: 'boolean' } },
      message: 'line 2, column 1 ("b"): value "maybe" is not a boolean',
    },
    {
      case: 'a declaration for a column not in the file',
      text: 'a\n1\n',
      declarations: { A: { type: 'number' } },
      message: 'declared column "A" not found in the file (columns: a)',
    },
    {
      case: 'malformed CSV',
      text: 'a,b\n1\n',
      declarations: {},
      message: 'invalid CSV: line 2, column 2: expected 2 fields',
    },
  ])('rejects $case', async ({ text, declarations, message }) => {
    const load = loadTable(writeCsv('bad.csv', text), { declarations });

    await expect(load).rejects.toThrow(DataFileError);
    await expect(load).rejects.toThrow(message);
  });

  it('rejects a file that is not UTF-8', async () => {
    const path = join(directory, 'latin1.csv');
    writeFileSync(path, Buffer.from([0x61, 0x0a, 0xe9, 0x0a]));

    await expect(loadTable(path)).rejects.toThrow('the CSV file is not valid UTF-8');
  });

  it('rejects an unknown file extension', async () => {
    await expect(loadTable(writeCsv('data.xlsx', 'a\n1\n'))).rejects.toThrow('cannot tell the format');
  });
});

describe('loadTable on Parquet', () => {
  function writeParquet(name: string, columnData: Parameters<typeof parquetWriteBuffer>[0]['columnData']): string {
    const path = join(directory, name);
    writeFileSync(path, new Uint8Array(parquetWriteBuffer({ columnData })));
    return path;
  }

  it('reads typed columns and infers their schema', async () => {
    const path = writeParquet('typed.parquet', [
      { name: 'age', data: [70, 56, null], type: 'INT32' },
      { name: 'time', data: [1814n, 2018n, 712n], type: 'INT64' },
      { name: 'ratio', data: [0.5, Number.NaN, 1.25], type: 'DOUBLE' },
      { name: 'horTh', data: ['no', 'yes', 'no'], type: 'STRING' },
      { name: 'relapse', data: [true, false, null], type: 'BOOLEAN' },
    ]);

    const { table, schema, format } = await loadTable(path);

    expect(format).toBe('parquet');
    expect(table.rowCount).toBe(3);
    expect(schema.map((column) => column.type)).toEqual(['integer', 'integer', 'number', 'categorical', 'boolean']);
    expect(table.columns.get('age')?.values).toEqual([70, 56, null]);
    expect(table.columns.get('time')?.values).toEqual([1814, 2018, 712]);
    expect(table.columns.get('ratio')?.values).toEqual([0.5, null, 1.25]);
    expect(table.columns.get('horTh')?.values).toEqual(['no', 'yes', 'no']);
    expect(table.columns.get('relapse')?.values).toEqual([true, false, null]);
  });

  it('applies declarations to Parquet columns', async () => {
    const path = writeParquet('declared.parquet', [{ name: 'grade', data: [1, 2, 3], type: 'INT32' }]);

    const { table, schema } = await loadTable(path, { declarations: { grade: { levels: ['1', '2', '3'] } } });

    expect(schema[0]).toEqual({ name: 'grade', type: 'categorical', levels: ['1', '2', '3'], source: 'declared' });
    expect(table.columns.get('grade')?.values).toEqual(['1', '2', '3']);
  });

  it('names the row of a Parquet value outside the declared levels', async () => {
    const path = writeParquet('levels.parquet', [{ name: 'grade', data: ['I', 'IV'], type: 'STRING' }]);

    await expect(loadTable(path, { declarations: { grade: { levels: ['I', 'II'] } } })).rejects.toThrow(
      'row 2, column "grade": value "IV" is not one of the declared levels',
    );
  });

  it('rejects a file that is not Parquet', async () => {
    const path = join(directory, 'fake.parquet');
    writeFileSync(path, 'a,b\n1,2\n');

    await expect(loadTable(path)).rejects.toThrow('not a readable Parquet file');
  });
});

describe('countTable', () => {
  it('counts non-missing values and rows per level', async () => {
    const path = writeCsv('counts.csv', 'grade,flag,size\nI,true,1\nII,false,\nI,NA,3\n,true,4\n');
    const { table } = await loadTable(path, { declarations: { grade: { levels: ['I', 'II', 'III'] } } });

    expect(countTable(table)).toEqual({
      rowCount: 4,
      columns: [
        { name: 'grade', nonMissing: 3, levels: { I: 2, II: 1, III: 0 } },
        { name: 'flag', nonMissing: 3, levels: { true: 2, false: 1 } },
        { name: 'size', nonMissing: 3 },
      ],
    });
  });

  it.each([
    { count: 686, multiple: 1, rounded: 686 },
    { count: 686, multiple: 10, rounded: 690 },
    { count: 684, multiple: 10, rounded: 680 },
    { count: 685, multiple: 10, rounded: 690 },
    { count: 3, multiple: 10, rounded: 0 },
  ])('rounds $count to a multiple of $multiple', ({ count, multiple, rounded }) => {
    expect(roundCount(count, multiple)).toBe(rounded);
  });

  it('rejects a rounding multiple below 1', () => {
    expect(() => roundCount(10, 0)).toThrow('rounding multiple must be a positive integer, got 0');
  });
});

describe('loadRegisteredDataset', () => {
  it('reloads a file with its registered schema', async () => {
    const path = writeCsv('registered.csv', 'grade,size\n1,10\n2,12\n');
    const first = await loadTable(path, { declarations: { grade: { levels: ['1', '2', '3'] } } });

    const again = await loadRegisteredDataset({ filePath: path, format: 'csv', fileSha256: first.sha256, schema: first.schema });

    expect(again.table.columns.get('grade')).toEqual({ type: 'categorical', levels: ['1', '2', '3'], values: ['1', '2'] });
    expect(again.schema.map((column) => column.type)).toEqual(['categorical', 'integer']);
  });

  it('rejects a file changed since registration', async () => {
    const path = writeCsv('changed.csv', 'size\n10\n');
    const first = await loadTable(path);
    writeFileSync(path, 'size\n11\n');

    await expect(
      loadRegisteredDataset({ filePath: path, format: 'csv', fileSha256: first.sha256, schema: first.schema }),
    ).rejects.toThrow(`${path} changed since it was registered`);
  });
});
