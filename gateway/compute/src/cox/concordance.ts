/**
 * Concordance counts of a risk score against right-censored times within one stratum, with the
 * pair rules of R survival's `concordance` (survival 3.5). A pair is comparable when the
 * shorter time is an event. A censored row at the same time as an event counts as outliving it. A
 * pair is concordant when the row that failed first has the higher score. Counts are additive over
 * strata, so each site returns its own and the server adds them.
 */
export interface ConcordanceCounts {
  concordant: number;
  discordant: number;
  /** Comparable pairs with equal scores. */
  tiedScore: number;
  /** Pairs of events at the same time with different scores. */
  tiedTime: number;
  /** Pairs of events at the same time with equal scores. */
  tiedTimeAndScore: number;
}

/**
 * Pair counts plus the sums the standard error needs. With c, d and t the concordant, discordant
 * and score-tied comparable pairs one row belongs to, the sums over rows are Σ(c − d)²,
 * Σ(c − d)(c + d + t) and Σ(c + d + t)². They are additive over strata like the counts.
 */
export interface ConcordanceSums extends ConcordanceCounts {
  influenceDifferenceSquares: number;
  influenceCrossProducts: number;
  influenceTotalSquares: number;
}

export const ZERO_CONCORDANCE: ConcordanceCounts = {
  concordant: 0,
  discordant: 0,
  tiedScore: 0,
  tiedTime: 0,
  tiedTimeAndScore: 0,
};

export const ZERO_CONCORDANCE_SUMS: ConcordanceSums = {
  ...ZERO_CONCORDANCE,
  influenceDifferenceSquares: 0,
  influenceCrossProducts: 0,
  influenceTotalSquares: 0,
};

/** Adds pair counts field by field (the five counts only). */
export function addConcordance(a: ConcordanceCounts, b: ConcordanceCounts): ConcordanceCounts {
  return {
    concordant: a.concordant + b.concordant,
    discordant: a.discordant + b.discordant,
    tiedScore: a.tiedScore + b.tiedScore,
    tiedTime: a.tiedTime + b.tiedTime,
    tiedTimeAndScore: a.tiedTimeAndScore + b.tiedTimeAndScore,
  };
}

/** Adds pair counts and influence sums field by field. */
export function addConcordanceSums(a: ConcordanceSums, b: ConcordanceSums): ConcordanceSums {
  return {
    ...addConcordance(a, b),
    influenceDifferenceSquares: a.influenceDifferenceSquares + b.influenceDifferenceSquares,
    influenceCrossProducts: a.influenceCrossProducts + b.influenceCrossProducts,
    influenceTotalSquares: a.influenceTotalSquares + b.influenceTotalSquares,
  };
}

/** Harrell's C from counts: (concordant + tiedScore / 2) / (concordant + discordant + tiedScore). */
export function concordanceIndex(counts: ConcordanceCounts): number {
  const comparable = counts.concordant + counts.discordant + counts.tiedScore;
  return comparable === 0 ? Number.NaN : (counts.concordant + counts.tiedScore / 2) / comparable;
}

/**
 * Standard error of the concordance as R survival's `concordancefit` computes it: the
 * infinitesimal jackknife variance of Somers' d, Σ_rows dfbeta², divided by 4. Each row's dfbeta
 * is (c − d)/N − (D/N)(c + d + t), with N comparable pairs and D = (C − Disc)/N over all strata, so
 * the variance expands into the three additive influence sums.
 */
export function concordanceStandardError(counts: ConcordanceSums): number {
  const pairs = counts.concordant + counts.discordant + counts.tiedScore;
  if (pairs === 0) {
    return Number.NaN;
  }
  const somersD = (counts.concordant - counts.discordant) / pairs;
  const variance =
    (counts.influenceDifferenceSquares -
      2 * somersD * counts.influenceCrossProducts +
      somersD * somersD * counts.influenceTotalSquares) /
    (pairs * pairs);
  return Math.sqrt(Math.max(variance, 0) / 4);
}

/** Creates a Fenwick tree that counts rows by 1-based score rank. */
function createRankCounter(size: number) {
  const tree = new Float64Array(size + 1);
  let total = 0;
  const countUpTo = (position: number): number => {
    let sum = 0;
    for (let i = position; i > 0; i -= i & -i) {
      sum += tree[i] as number;
    }
    return sum;
  };
  return {
    add(position: number): void {
      total += 1;
      for (let i = position; i <= size; i += i & -i) {
        tree[i] = (tree[i] as number) + 1;
      }
    },
    /** Rows with a rank below, equal to and above `position`. */
    split(position: number): { below: number; equal: number; above: number } {
      const below = countUpTo(position - 1);
      const equal = countUpTo(position) - below;
      return { below, equal, above: total - below - equal };
    },
  };
}

/** Splits row indices into groups of equal time, in the order of `order`. */
function tieGroups(order: number[], time: ArrayLike<number>): number[][] {
  const groups: number[][] = [];
  for (const row of order) {
    const last = groups[groups.length - 1];
    if (last !== undefined && time[last[0] as number] === time[row]) {
      last.push(row);
    } else {
      groups.push([row]);
    }
  }
  return groups;
}

/** Counts concordant, discordant and tied pairs; see `countConcordanceSums` for the method. */
export function countConcordance(
  time: ArrayLike<number>,
  event: ArrayLike<number>,
  score: ArrayLike<number>,
): ConcordanceCounts {
  const sums = countConcordanceSums(time, event, score);
  return addConcordance(sums, ZERO_CONCORDANCE);
}

/**
 * Counts pairs and influence sums in O(n log n) with two passes over tie groups and Fenwick trees over score ranks.
 * The descending pass counts, for each event, the rows that outlive it. The ascending pass counts,
 * for each row, the earlier events it outlives, which gives every row's own pair counts for the
 * influence sums. Scores tie only when exactly equal.
 */
export function countConcordanceSums(
  time: ArrayLike<number>,
  event: ArrayLike<number>,
  score: ArrayLike<number>,
): ConcordanceSums {
  const n = time.length;
  if (event.length !== n || score.length !== n) {
    throw new RangeError(
      `countConcordanceSums: time has ${n} values but event has ${event.length} and score ${score.length}; pass one per row`,
    );
  }

  // Dense 1-based ranks of the scores.
  const byScore = Array.from({ length: n }, (_, index) => index).sort((a, b) => (score[a] as number) - (score[b] as number));
  const rank = new Int32Array(n);
  let distinct = 0;
  for (const [k, row] of byScore.entries()) {
    if (k === 0 || (score[row] as number) !== (score[byScore[k - 1] as number] as number)) {
      distinct += 1;
    }
    rank[row] = distinct;
  }

  const ascending = Array.from({ length: n }, (_, index) => index).sort((a, b) => (time[a] as number) - (time[b] as number));
  const groups = tieGroups(ascending, time);
  const concordant = new Float64Array(n);
  const discordant = new Float64Array(n);
  const tied = new Float64Array(n);
  const counts = { ...ZERO_CONCORDANCE_SUMS };

  // Descending time: each event against the rows that outlive it (censored rows at its own time
  // included). The event failed first, so a lower score on the other row is concordant.
  const outliving = createRankCounter(distinct);
  for (let g = groups.length - 1; g >= 0; g -= 1) {
    const group = groups[g] as number[];
    const events = group.filter((row) => event[row] === 1);
    for (const row of group) {
      if (event[row] !== 1) {
        outliving.add(rank[row] as number);
      }
    }
    for (const row of events) {
      const { below, equal, above } = outliving.split(rank[row] as number);
      concordant[row] = below;
      tied[row] = equal;
      discordant[row] = above;
      counts.concordant += below;
      counts.tiedScore += equal;
      counts.discordant += above;
    }

    // Pairs of events at the same time, split by whether their scores tie.
    const sameScore = new Map<number, number>();
    for (const row of events) {
      sameScore.set(rank[row] as number, (sameScore.get(rank[row] as number) ?? 0) + 1);
    }
    let tiedBoth = 0;
    for (const count of sameScore.values()) {
      tiedBoth += (count * (count - 1)) / 2;
    }
    counts.tiedTimeAndScore += tiedBoth;
    counts.tiedTime += (events.length * (events.length - 1)) / 2 - tiedBoth;

    for (const row of events) {
      outliving.add(rank[row] as number);
    }
  }

  // Ascending time: each row against the earlier events it outlives. A censored row also outlives
  // the events at its own time. The event failed first, so its higher score is concordant.
  const earlierEvents = createRankCounter(distinct);
  for (const group of groups) {
    const events = group.filter((row) => event[row] === 1);
    const addAsLater = (row: number): void => {
      const { below, equal, above } = earlierEvents.split(rank[row] as number);
      concordant[row] = (concordant[row] as number) + above;
      discordant[row] = (discordant[row] as number) + below;
      tied[row] = (tied[row] as number) + equal;
    };
    events.forEach(addAsLater);
    for (const row of events) {
      earlierEvents.add(rank[row] as number);
    }
    group.filter((row) => event[row] !== 1).forEach(addAsLater);
  }

  for (let row = 0; row < n; row += 1) {
    const difference = (concordant[row] as number) - (discordant[row] as number);
    const total = (concordant[row] as number) + (discordant[row] as number) + (tied[row] as number);
    counts.influenceDifferenceSquares += difference * difference;
    counts.influenceCrossProducts += difference * total;
    counts.influenceTotalSquares += total * total;
  }
  return counts;
}
