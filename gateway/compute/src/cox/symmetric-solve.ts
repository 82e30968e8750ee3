/**
 * LDLᵀ factorisation of a symmetric positive semi-definite matrix with the same rank rule as
 * R survival's `cholesky2`. A pivot that is not finite or is below `tolerance` times the largest
 * diagonal entry is set to zero, and the matching coefficient is treated as not estimable. Solves
 * and the inverse then give zero for those rows and columns, as `chsolve2` and `chinv2` do, so a
 * collinear covariate yields a missing coefficient instead of a meaningless huge one.
 */
export interface LdlFactor {
  size: number;
  /** Row-major: L in the unit lower triangle, D on the diagonal (0 for a dropped pivot). */
  values: Float64Array;
  /** Number of non-zero pivots. */
  rank: number;
  /** Indices whose pivot was set to zero. */
  droppedIndices: number[];
}

/** Default relative pivot tolerance: R's `coxph.control(toler.chol)` default, .Machine$double.eps^0.75. */
export const DEFAULT_PIVOT_TOLERANCE = 2.220446049250313e-16 ** 0.75;

/** Factorises a symmetric matrix given as rows (only the upper triangle is read). */
export function factorSymmetric(matrix: readonly (readonly number[])[], tolerance = DEFAULT_PIVOT_TOLERANCE): LdlFactor {
  const size = matrix.length;
  const values = new Float64Array(size * size);
  for (let i = 0; i < size; i += 1) {
    const row = matrix[i];
    if (row === undefined || row.length !== size) {
      throw new RangeError(`factorSymmetric: row ${i} has ${row?.length ?? 0} entries; the matrix must be ${size}×${size}`);
    }
  }

  // Copy the upper triangle into the lower one: the factorisation works on the lower triangle.
  let largestDiagonal = 0;
  for (let i = 0; i < size; i += 1) {
    for (let j = i; j < size; j += 1) {
      const value = (matrix[i] as readonly number[])[j] as number;
      values[j * size + i] = value;
      values[i * size + j] = value;
    }
    const diagonal = values[i * size + i] as number;
    if (diagonal > largestDiagonal) {
      largestDiagonal = diagonal;
    }
  }
  const threshold = largestDiagonal === 0 ? tolerance : largestDiagonal * tolerance;

  let rank = 0;
  const droppedIndices: number[] = [];
  for (let i = 0; i < size; i += 1) {
    const pivot = values[i * size + i] as number;
    if (!Number.isFinite(pivot) || pivot < threshold) {
      values[i * size + i] = 0;
      droppedIndices.push(i);
      continue;
    }

    rank += 1;
    for (let j = i + 1; j < size; j += 1) {
      const ratio = (values[j * size + i] as number) / pivot;
      values[j * size + i] = ratio;
      values[j * size + j] = (values[j * size + j] as number) - ratio * ratio * pivot;
      for (let k = j + 1; k < size; k += 1) {
        values[k * size + j] = (values[k * size + j] as number) - ratio * (values[k * size + i] as number);
      }
    }
  }

  return { size, values, rank, droppedIndices };
}

/** Solves A·x = b with a factor of A; components of dropped pivots are 0. */
export function solveWithFactor(factor: LdlFactor, rightHandSide: readonly number[]): number[] {
  const { size, values } = factor;
  if (rightHandSide.length !== size) {
    throw new RangeError(`solveWithFactor: the right-hand side has ${rightHandSide.length} entries; expected ${size}`);
  }

  // Forward substitution with the unit lower triangle L.
  const solution = [...rightHandSide];
  for (let i = 0; i < size; i += 1) {
    let sum = solution[i] as number;
    for (let j = 0; j < i; j += 1) {
      sum -= (values[i * size + j] as number) * (solution[j] as number);
    }
    solution[i] = sum;
  }

  // Divide by D, then back substitution with Lᵀ.
  for (let i = size - 1; i >= 0; i -= 1) {
    const pivot = values[i * size + i] as number;
    if (pivot === 0) {
      solution[i] = 0;
      continue;
    }
    let sum = (solution[i] as number) / pivot;
    for (let j = i + 1; j < size; j += 1) {
      sum -= (values[j * size + i] as number) * (solution[j] as number);
    }
    solution[i] = sum;
  }
  return solution;
}

/** Returns the inverse (a generalised inverse with zero rows and columns for dropped pivots). */
export function invertWithFactor(factor: LdlFactor): number[][] {
  const { size } = factor;
  const dropped = new Set(factor.droppedIndices);
  const inverse: number[][] = Array.from({ length: size }, () => new Array<number>(size).fill(0));

  for (let column = 0; column < size; column += 1) {
    if (dropped.has(column)) {
      continue;
    }
    const unit = new Array<number>(size).fill(0);
    unit[column] = 1;
    const solved = solveWithFactor(factor, unit);
    for (let row = 0; row < size; row += 1) {
      (inverse[row] as number[])[column] = dropped.has(row) ? 0 : (solved[row] as number);
    }
  }

  // Symmetrise: the two triangles differ only by rounding.
  for (let i = 0; i < size; i += 1) {
    for (let j = i + 1; j < size; j += 1) {
      const mean = (((inverse[i] as number[])[j] as number) + ((inverse[j] as number[])[i] as number)) / 2;
      (inverse[i] as number[])[j] = mean;
      (inverse[j] as number[])[i] = mean;
    }
  }
  return inverse;
}

/** Returns vᵀ·M·v. */
export function quadraticForm(matrix: readonly (readonly number[])[], vector: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < vector.length; i += 1) {
    const row = matrix[i] as readonly number[];
    let rowSum = 0;
    for (let j = 0; j < vector.length; j += 1) {
      rowSum += (row[j] as number) * (vector[j] as number);
    }
    total += (vector[i] as number) * rowSum;
  }
  return total;
}
