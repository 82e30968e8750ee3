import { parquetMetadata, parquetRead, type SchemaElement } from 'hyparquet';

import { DataFileError, type RawColumn, type RawValue } from './build-columns.js';

/**
 * Reads every column of a flat Parquet file into raw columns. Integers arrive as numbers (INT64
 * values beyond 2^53 are rejected), dates and timestamps as ISO 8601 text, and strings as text.
 * hyparquet 1.33 decodes uncompressed and Snappy files by itself. Other codecs (GZIP, ZSTD, Brotli)
 * need the hyparquet-compressors package, which the gateway does not ship, so such files fail with
 * hyparquet's message.
 */
export async function readParquetColumns(bytes: Uint8Array): Promise<RawColumn[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

  let metadata;
  try {
    metadata = parquetMetadata(file);
  } catch (error) {
    throw new DataFileError(`not a readable Parquet file: ${(error as Error).message}`, { cause: error });
  }

  const names = listFlatColumns(metadata.schema);

  let rows: unknown[][] = [];
  try {
    await parquetRead({
      file,
      metadata,
      columns: names,
      rowFormat: 'array',
      onComplete: (result) => {
        rows = result;
      },
    });
  } catch (error) {
    throw new DataFileError(`failed to decode the Parquet data: ${(error as Error).message}`, { cause: error });
  }

  return names.map((name, index) => ({
    name,
    values: rows.map((row, rowIndex) => toRawValue(row[index], name, rowIndex)),
    locate: (row: number) => `row ${row + 1}, column "${name}"`,
  }));
}

function listFlatColumns(schema: SchemaElement[]): string[] {
  const [root, ...leaves] = schema;
  if (root === undefined) {
    throw new DataFileError('the Parquet file has no schema');
  }

  const names: string[] = [];
  for (const element of leaves) {
    if ((element.num_children ?? 0) > 0 || element.repetition_type === 'REPEATED') {
      throw new DataFileError(
        `column "${element.name}" is nested or repeated; the gateway reads flat tables only, so flatten the file first`,
      );
    }
    names.push(element.name);
  }
  return names;
}

function toRawValue(value: unknown, column: string, row: number): RawValue {
  if (value === null || value === undefined) {
    return null;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'bigint') {
    const number = Number(value);
    if (!Number.isSafeInteger(number)) {
      throw new DataFileError(
        `row ${row + 1}, column "${column}": integer ${value} is beyond ±2^53 and cannot be read exactly as a number`,
      );
    }
    return number;
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  throw new DataFileError(
    `row ${row + 1}, column "${column}": values of this Parquet type (${Object.prototype.toString.call(value)}) ` +
      'are not supported; drop the column or convert it to numbers or text',
  );
}
