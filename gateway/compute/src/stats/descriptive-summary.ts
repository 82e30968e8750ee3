import { descriptiveOutputs, descriptivePlanSchema, type DescriptivePlanInput } from './descriptive-plan.js';
import { readFloat64, type SiteTensors } from './site-graph.js';
import { DEFAULT_MINIMUM_CELL_SIZE, suppressSmallCells, type ReportedCount } from './suppression.js';

export interface NumericSummary {
  column: string;
  /** Non-missing values. */
  n: ReportedCount;
  missing: ReportedCount;
  /** Null when n is withheld (below the minimum cell size) or zero. */
  mean: number | null;
  /** Sample standard deviation (n − 1 denominator); null when n is withheld or below 2. */
  sd: number | null;
  /** Present when the plan asked for bins: the edges and the cells, withheld where small. */
  histogram?: {
    edges: number[];
    belowFirstEdge: ReportedCount;
    /** Bin i counts edges[i] ≤ x < edges[i + 1]; the last bin also includes its right edge. */
    bins: ReportedCount[];
    aboveLastEdge: ReportedCount;
  };
}

export interface CategoricalSummary {
  column: string;
  levels: { level: string; count: ReportedCount }[];
  /** Values not among the listed levels. */
  other: ReportedCount;
  missing: ReportedCount;
}

export interface DescriptiveSummary {
  rows: ReportedCount;
  numeric: NumericSummary[];
  categorical: CategoricalSummary[];
  minimumCellSize: number;
}

/**
 * Turns the summed site tensors of a descriptive plan into pooled statistics:
 * mean = shift + Σ(x − shift) / n and SD = √((Σ(x − shift)² − (Σ(x − shift))² / n) / (n − 1)),
 * with every count below `minimumCellSize` withheld (and its complement, where a total would
 * reveal it). Means and SDs of columns whose n is withheld are not reported.
 */
export function summarizeDescriptive(
  summed: SiteTensors,
  planInput: DescriptivePlanInput,
  options: {
    minimumCellSize?: number;
    /** Returns which cells of a count tensor the sites withheld, when they report it. */
    withheld?: (name: string) => boolean[] | undefined;
  } = {},
): DescriptiveSummary {
  const plan = descriptivePlanSchema.parse(planInput);
  const minimum = options.minimumCellSize ?? DEFAULT_MINIMUM_CELL_SIZE;
  const scalar = (name: string): number => {
    const values = readFloat64(summed, name);
    if (values.length !== 1) {
      throw new RangeError(`site tensor "${name}" contains ${values.length} values; one was expected`);
    }
    return values[0] as number;
  };
  const single = (count: number): ReportedCount => suppressSmallCells([count], { minimum, complementary: false })[0] as ReportedCount;

  const numeric = plan.numeric.map((entry): NumericSummary => {
    const n = scalar(descriptiveOutputs.count(entry.column));
    const sum = scalar(descriptiveOutputs.sum(entry.column));
    const sumSquares = scalar(descriptiveOutputs.sumSquares(entry.column));
    const reportedN = single(n);
    const usable = !reportedN.suppressed && n > 0;

    const summary: NumericSummary = {
      column: entry.column,
      n: reportedN,
      missing: single(scalar(descriptiveOutputs.missing(entry.column))),
      mean: usable ? entry.shift + sum / n : null,
      // Rounding can leave a tiny negative sum of squared deviations when all values are equal.
      sd: usable && n >= 2 ? Math.sqrt(Math.max(0, sumSquares - (sum * sum) / n) / (n - 1)) : null,
    };

    if (entry.binEdges !== undefined) {
      const cells = Array.from(readFloat64(summed, descriptiveOutputs.histogram(entry.column)));
      if (cells.length !== entry.binEdges.length + 1) {
        throw new RangeError(
          `histogram of "${entry.column}" has ${cells.length} cells but ${entry.binEdges.length} edges need ${entry.binEdges.length + 1}`,
        );
      }
      const reported = suppressSmallCells(cells, { minimum, ...withheldOption(options.withheld?.(descriptiveOutputs.histogram(entry.column))) });
      summary.histogram = {
        edges: [...entry.binEdges],
        belowFirstEdge: reported[0] as ReportedCount,
        bins: reported.slice(1, -1),
        aboveLastEdge: reported[reported.length - 1] as ReportedCount,
      };
    }
    return summary;
  });

  const categorical = plan.categorical.map((entry): CategoricalSummary => {
    const cells = Array.from(readFloat64(summed, descriptiveOutputs.levelCounts(entry.column)));
    if (cells.length !== entry.levels.length + 2) {
      throw new RangeError(`level counts of "${entry.column}" have ${cells.length} cells; ${entry.levels.length + 2} were expected`);
    }
    const reported = suppressSmallCells(cells, { minimum, ...withheldOption(options.withheld?.(descriptiveOutputs.levelCounts(entry.column))) });
    return {
      column: entry.column,
      levels: entry.levels.map((level, i) => ({ level, count: reported[i] as ReportedCount })),
      other: reported[entry.levels.length] as ReportedCount,
      missing: reported[entry.levels.length + 1] as ReportedCount,
    };
  });

  return { rows: single(scalar(descriptiveOutputs.rows)), numeric, categorical, minimumCellSize: minimum };
}

function withheldOption(withheld: boolean[] | undefined): { withheld?: boolean[] } {
  return withheld === undefined ? {} : { withheld };
}
