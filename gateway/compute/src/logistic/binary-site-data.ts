import { CoxDataError, matchColumns } from '../cox/cox-site-data.js';

/** Rows with a binary outcome as the gateway's design-matrix builder produces them. */
export interface BinaryRows {
  /** Feature names of the columns of `x`, in column order. */
  layout: readonly string[];
  n: number;
  /** Row-major n × layout.length matrix. */
  x: Float64Array;
  /** 1 for the positive class, 0 otherwise; for a multi-class outcome, the zero-based class index. */
  y: Float64Array;
}

/** Rows with the features in the model's layout order. */
export interface BinarySiteData {
  layout: string[];
  n: number;
  x: Float64Array;
  y: Float64Array;
}

/**
 * Selects the model's features by name and checks every value; throws naming the row and column.
 * `classes` is 2 for a binary outcome (y is 0 or 1) and the number of classes of a multi-class
 * outcome (y is an integer class index below it).
 */
export function prepareBinarySiteData(rows: BinaryRows, layout: readonly string[], classes = 2): BinarySiteData {
  const { n } = rows;
  const sourceWidth = rows.layout.length;
  if (rows.x.length !== n * sourceWidth || rows.y.length !== n) {
    throw new CoxDataError(
      `prepareBinarySiteData: expected x with ${n}×${sourceWidth} values and y with ${n}; got ${rows.x.length} and ${rows.y.length}`,
    );
  }
  if (n === 0) {
    throw new CoxDataError('prepareBinarySiteData: the site has no rows');
  }
  const columns = matchColumns(layout, rows.layout, 'prepareBinarySiteData');

  const p = layout.length;
  const x = new Float64Array(n * p);
  for (let i = 0; i < n; i += 1) {
    const outcome = rows.y[i] as number;
    if (!Number.isInteger(outcome) || outcome < 0 || outcome >= classes) {
      throw new CoxDataError(
        classes === 2
          ? `prepareBinarySiteData: y of row ${i + 1} is ${outcome}; use 1 for the positive class and 0 otherwise`
          : `prepareBinarySiteData: y of row ${i + 1} is ${outcome}; use the class index, an integer from 0 to ${classes - 1}`,
      );
    }
    for (const [j, column] of columns.entries()) {
      const value = rows.x[i * sourceWidth + column] as number;
      if (!Number.isFinite(value)) {
        throw new CoxDataError(`prepareBinarySiteData: feature "${rows.layout[column]}" of row ${i + 1} is ${value}; remove or impute it`);
      }
      x[i * p + j] = value;
    }
  }
  return { layout: [...layout], n, x, y: Float64Array.from(rows.y) };
}
