/** A count as published: the number, or a marker that it was withheld. */
export type ReportedCount = { suppressed: false; count: number } | { suppressed: true };

/** Default minimum cell size of a site policy. */
export const DEFAULT_MINIMUM_CELL_SIZE = 10;

export interface SuppressionOptions {
  /** Counts from 1 to `minimum − 1` are withheld; default 10. */
  minimum?: number;
  /**
   * When the cells' total is published, one withheld cell could be recovered by subtraction, so
   * the smallest other cell is withheld too (complementary suppression). Default true.
   */
  complementary?: boolean;
  /** Cells already withheld upstream (by a site, whose count then arrives as 0 or partial). */
  withheld?: readonly boolean[];
}

/**
 * Withholds small counts so that no published cell describes fewer than `minimum` people. Zero is
 * published, because an empty cell describes no one.
 */
export function suppressSmallCells(counts: readonly number[], options: SuppressionOptions = {}): ReportedCount[] {
  const minimum = options.minimum ?? DEFAULT_MINIMUM_CELL_SIZE;
  if (!Number.isInteger(minimum) || minimum < 1) {
    throw new RangeError(`minimum cell size is ${minimum}; use a positive integer such as ${DEFAULT_MINIMUM_CELL_SIZE}`);
  }
  for (const [index, count] of counts.entries()) {
    if (!Number.isFinite(count) || count < 0) {
      throw new RangeError(`cell ${index} is ${count}; counts must be finite and non-negative`);
    }
  }

  const withheld = counts.map((count, index) => options.withheld?.[index] === true || (count > 0 && count < minimum));
  const withheldCount = withheld.filter(Boolean).length;
  if ((options.complementary ?? true) && withheldCount === 1 && counts.length > 1) {
    let smallest = -1;
    counts.forEach((count, index) => {
      if (!withheld[index] && (smallest < 0 || count < (counts[smallest] as number))) {
        smallest = index;
      }
    });
    withheld[smallest] = true;
  }

  return counts.map((count, index) => (withheld[index] ? { suppressed: true } : { suppressed: false, count }));
}
