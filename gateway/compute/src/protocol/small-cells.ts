import { SiteRefusal, type SitePrivacy } from './computation.js';

/**
 * Applies the site's small-cell rule to released counts, in place: a count between 1 and the
 * minimum cell size makes the site refuse ("refuse") or is sent as 0 ("suppress"). Zeros are
 * released. Returns the number of cells withheld; `describe` names a cell in the refusal message.
 */
export function withholdSmallCells(counts: Float64Array | number[], privacy: SitePrivacy, describe: (count: number) => string): number {
  let withheld = 0;
  for (let index = 0; index < counts.length; index += 1) {
    const count = counts[index] as number;
    if (count <= 0 || count >= privacy.minCellSize) continue;

    if (privacy.smallCellAction === 'refuse') {
      throw new SiteRefusal('small_cell', `${describe(count)}, fewer than the minimum cell size ${privacy.minCellSize}`);
    }
    counts[index] = 0;
    withheld += 1;
  }
  return withheld;
}
