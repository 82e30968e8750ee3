/**
 * Concordance counts of a risk score against right-censored times within one stratum, with the
 * pair rules of R survival's `concordance` (survival 3.5): a pair is comparable when the shorter
 * time is an event, and a censored row at the same time as an event counts as outliving it. A pair
 * is concordant when the row that failed first has the higher score. Counts are additive over
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

export const ZERO_CONCORDANCE: ConcordanceCounts = {
  concordant: 0,
  discordant: 0,
  tiedScore: 0,
  tiedTime: 0,
  tiedTimeAndScore: 0,
};

/** Adds concordance counts field by field. */
export function addConcordance(a: ConcordanceCounts, b: ConcordanceCounts): ConcordanceCounts {
  return {
    concordant: a.concordant + b.concordant,
    discordant: a.discordant + b.discordant,
    tiedScore: a.tiedScore + b.tiedScore,
    tiedTime: a.tiedTime + b.tiedTime,
    tiedTimeAndScore: a.tiedTimeAndScore + b.tiedTimeAndScore,
  };
}

/** Harrell's C from counts: (concordant + tiedScore / 2) / (concordant + discordant + tiedScore). */
export function concordanceIndex(counts: ConcordanceCounts): number {
  const comparable = counts.concordant + counts.discordant + counts.tiedScore;
  return comparable === 0 ? Number.NaN : (counts.concordant + counts.tiedScore / 2) / comparable;
}

/**
 * Counts pairs in O(n log n): rows are visited by descending time, and a Fenwick tree over score
 * ranks contains the rows already known to outlive the current time. Scores tie only when exactly
 * equal.
 */
export function countConcordance(
  time: ArrayLike<number>,
  event: ArrayLike<number>,
  score: ArrayLike<number>,
): ConcordanceCounts {
  const n = time.length;
  if (event.length !== n || score.length !== n) {
    throw new RangeError(
      `countConcordance: time has ${n} values but event has ${event.length} and score ${score.length}; pass one per row`,
    );
  }

  // Dense ranks of the scores, 1-based for the Fenwick tree.
  const byScore = Array.from({ length: n }, (_, index) => index).sort(
    (a, b) => (score[a] as number) - (score[b] as number),
  );
  const rank = new Int32Array(n);
  let distinct = 0;
  for (let k = 0; k < n; k += 1) {
    const row = byScore[k] as number;
    if (k === 0 || (score[row] as number) !== (score[byScore[k - 1] as number] as number)) {
      distinct += 1;
    }
    rank[row] = distinct;
  }
  const tree = new Float64Array(distinct + 1);
  const add = (position: number): void => {
    for (let i = position; i <= distinct; i += i & -i) {
      tree[i] = (tree[i] as number) + 1;
    }
  };
  const countUpTo = (position: number): number => {
    let total = 0;
    for (let i = position; i > 0; i -= i & -i) {
      total += tree[i] as number;
    }
    return total;
  };

  const byTime = Array.from({ length: n }, (_, index) => index).sort(
    (a, b) => (time[b] as number) - (time[a] as number),
  );
  const counts = { ...ZERO_CONCORDANCE };
  let inTree = 0;
  let start = 0;
  while (start < n) {
    let next = start + 1;
    const groupTime = time[byTime[start] as number] as number;
    while (next < n && time[byTime[next] as number] === groupTime) {
      next += 1;
    }
    const group = byTime.slice(start, next);
    const events = group.filter((row) => event[row] === 1);

    // Censored rows at this time outlive the events at this time.
    for (const row of group) {
      if (event[row] !== 1) {
        add(rank[row] as number);
        inTree += 1;
      }
    }

    for (const row of events) {
      const below = countUpTo((rank[row] as number) - 1);
      const equal = countUpTo(rank[row] as number) - below;
      counts.concordant += below;
      counts.tiedScore += equal;
      counts.discordant += inTree - below - equal;
    }

    // Pairs of events at the same time, split by whether their scores tie.
    const eventPairs = (events.length * (events.length - 1)) / 2;
    const sameScore = new Map<number, number>();
    for (const row of events) {
      sameScore.set(rank[row] as number, (sameScore.get(rank[row] as number) ?? 0) + 1);
    }
    let tiedBoth = 0;
    for (const count of sameScore.values()) {
      tiedBoth += (count * (count - 1)) / 2;
    }
    counts.tiedTimeAndScore += tiedBoth;
    counts.tiedTime += eventPairs - tiedBoth;

    for (const row of events) {
      add(rank[row] as number);
      inTree += 1;
    }
    start = next;
  }
  return counts;
}
