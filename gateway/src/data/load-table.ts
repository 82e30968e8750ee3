import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import type { ColumnarTable, TableColumn } from '@onsite/compute';

import { buildColumn, DataFileError, type RawColumn } from './build-columns.js';
import type { ColumnDeclarations, ColumnSchema } from './column-schema.js';
import { CsvParseError, parseCsv } from './csv.js';
import { readParquetColumns } from './parquet.js';

export type DataFileFormat = 'csv' | 'parquet';

export interface LoadTableOptions {
  /** The operator's declarations, keyed by column name; they override inference. */
  declarations?: ColumnDeclarations;
  /** File format; by default taken from the extension (`.csv`, `.parquet`, `.parq`). */
  format?: DataFileFormat;
  /** Receives the fraction of the file parsed, from 0 to 1 (CSV only). */
  onProgress?: (fractionRead: number) => void;
  /** SHA-256 (lowercase hex) the file must have; checked before parsing. */
  expectedSha256?: string;
}

export interface LoadedTable {
  table: ColumnarTable;
  schema: ColumnSchema[];
  format: DataFileFormat;
  /** SHA-256 (lowercase hex) of the file's bytes, to notice later that the file changed. */
  sha256: string;
  byteLength: number;
}

/** Loads a CSV or Parquet file into a typed columnar table and its schema. */
export async function loadTable(filePath: string, options: LoadTableOptions = {}): Promise<LoadedTable> {
  const format = options.format ?? detectFormat(filePath);

  let bytes: Buffer;
  try {
    bytes = await readFile(filePath);
  } catch (error) {
    throw new DataFileError(`cannot read data file ${filePath}: ${(error as Error).message}`, { cause: error });
  }

  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256) {
    throw new DataFileError(
      `${filePath} changed since it was registered (SHA-256 ${sha256}, registered ${options.expectedSha256}); ` +
        'add the new file as a new dataset so that it can be approved',
    );
  }

  const rawColumns = format === 'csv' ? readCsvColumns(bytes, options.onProgress) : await readParquetColumns(bytes);
  const declarations = options.declarations ?? {};
  checkDeclaredColumnsExist(rawColumns, declarations);

  const columns = new Map<string, TableColumn>();
  const schema: ColumnSchema[] = [];
  for (const raw of rawColumns) {
    const built = buildColumn(raw, declarations[raw.name]);
    columns.set(raw.name, built.column);
    schema.push(built.schema);
  }

  return {
    table: { rowCount: rawColumns[0]?.values.length ?? 0, columns },
    schema,
    format,
    sha256,
    byteLength: bytes.byteLength,
  };
}

/** Picks the format from a file name's extension. */
export function detectFormat(filePath: string): DataFileFormat {
  const extension = extname(filePath).toLowerCase();
  if (extension === '.csv') {
    return 'csv';
  }
  if (extension === '.parquet' || extension === '.parq') {
    return 'parquet';
  }
  throw new DataFileError(
    `cannot tell the format of ${filePath} from its extension "${extension}"; use a .csv or .parquet file name`,
  );
}

function readCsvColumns(bytes: Buffer, onProgress?: (fractionRead: number) => void): RawColumn[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new DataFileError('the CSV file is not valid UTF-8; save it as UTF-8 and try again', { cause: error });
  }

  let parsed;
  try {
    parsed = parseCsv(text, onProgress);
  } catch (error) {
    if (error instanceof CsvParseError) {
      throw new DataFileError(`invalid CSV: ${error.message}`, { cause: error });
    }
    throw error;
  }

  const { header, records } = parsed;
  return header.map((name, index) => ({
    name,
    values: records.map((record) => record.fields[index]!),
    locate: (row: number) => `line ${records[row]!.line}, column ${index + 1} ("${name}")`,
  }));
}

function checkDeclaredColumnsExist(rawColumns: RawColumn[], declarations: ColumnDeclarations): void {
  const names = new Set(rawColumns.map((column) => column.name));
  const unknown = Object.keys(declarations).filter((name) => !names.has(name));
  if (unknown.length > 0) {
    throw new DataFileError(
      `declared column${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `"${name}"`).join(', ')} not found in the file ` +
        `(columns: ${[...names].join(', ')}); check the spelling, which is case-sensitive`,
    );
  }
}
