import { readFileSync } from 'node:fs';

import type { ColumnarTable, TableColumn } from '../../spec/index.js';

/** Folder of the shared GBSG2, WDBC and R reference files used by the tests. */
export const SHARED_DATA_DIR = new URL('../../../../../../shared/data/', import.meta.url);

/**
 * Reads a plain CSV (one header row, commas, no quoting, as the shared data files are) into a
 * columnar table. Columns whose every value parses as a number become `number` columns. The
 * others become `categorical`, with their levels in order of first appearance.
 */
export function readCsvTable(relativePath: string): ColumnarTable {
  const text = readFileSync(new URL(relativePath, SHARED_DATA_DIR), 'utf8');
  const lines = text.split('\n').filter((line) => line.length > 0);
  const header = (lines[0] as string).split(',');
  const rows = lines.slice(1).map((line) => line.split(','));

  const columns = new Map<string, TableColumn>();
  header.forEach((name, index) => {
    const raw = rows.map((row) => row[index] as string);
    if (raw.every((value) => value !== '' && Number.isFinite(Number(value)))) {
      columns.set(name, { type: 'number', values: raw.map(Number) });
    } else {
      columns.set(name, { type: 'categorical', levels: [...new Set(raw)], values: raw });
    }
  });
  return { rowCount: rows.length, columns };
}

/** Reads a JSON file from the shared data folder. */
export function readSharedJson<T>(relativePath: string): T {
  return JSON.parse(readFileSync(new URL(relativePath, SHARED_DATA_DIR), 'utf8')) as T;
}

/** A seeded pseudo-random generator (mulberry32), so random tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds a table from plain arrays: numbers (or null) as number columns, strings as categorical. */
export function tableFromColumns(columns: Record<string, ReadonlyArray<number | null> | ReadonlyArray<string | null>>): ColumnarTable {
  const map = new Map<string, TableColumn>();
  let rowCount = 0;
  for (const [name, values] of Object.entries(columns)) {
    rowCount = values.length;
    if (values.some((value) => typeof value === 'string')) {
      const strings = values as ReadonlyArray<string | null>;
      const levels = [...new Set(strings.filter((value): value is string => value !== null))];
      map.set(name, { type: 'categorical', levels, values: strings });
    } else {
      map.set(name, { type: 'number', values: values as ReadonlyArray<number | null> });
    }
  }
  return { rowCount, columns: map };
}
