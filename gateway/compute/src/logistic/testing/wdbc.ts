import { readFileSync } from 'node:fs';

import type { BinaryRows } from '../binary-site-data.js';

/** Location of the shared breast-cancer data used by the tests. */
export const DATA_DIRECTORY = '/work/shared/data';

/**
 * Loads the Wisconsin Diagnostic Breast Cancer table for tests: y = 1 for malignant ("M"), the
 * named features standardised with the given means and sample standard deviations, or with the
 * table's own when none are given.
 */
export function loadWdbc(
  features: readonly string[],
  standardisation?: { mean: Record<string, number>; sd: Record<string, number> },
): BinaryRows {
  const lines = readFileSync(`${DATA_DIRECTORY}/wdbc.csv`, 'utf8').trim().split('\n');
  const header = (lines[0] as string).split(',');
  const records = lines.slice(1).map((line) => line.split(','));
  const n = records.length;
  const p = features.length;

  const x = new Float64Array(n * p);
  for (const [j, name] of features.entries()) {
    const column = header.indexOf(name);
    if (column < 0) {
      throw new Error(`loadWdbc: wdbc.csv has no column "${name}"`);
    }
    const values = records.map((record) => Number(record[column]));
    const mean = standardisation?.mean[name] ?? values.reduce((sum, value) => sum + value, 0) / n;
    const sd =
      standardisation?.sd[name] ?? Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1));
    values.forEach((value, i) => (x[i * p + j] = (value - mean) / sd));
  }

  const y = Float64Array.from(records.map((record) => (record[0] === 'M' ? 1 : 0)));
  return { layout: [...features], n, x, y };
}

/** Returns the rows whose index satisfies `keep`, in order. */
export function selectRows(rows: BinaryRows, keep: (index: number) => boolean): BinaryRows {
  const p = rows.layout.length;
  const indices = Array.from({ length: rows.n }, (_, index) => index).filter(keep);
  const x = new Float64Array(indices.length * p);
  indices.forEach((source, target) => x.set(rows.x.subarray(source * p, (source + 1) * p), target * p));
  return { layout: rows.layout, n: indices.length, x, y: Float64Array.from(indices.map((index) => rows.y[index] as number)) };
}
