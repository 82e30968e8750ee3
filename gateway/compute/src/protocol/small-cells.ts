import type { TensorMap } from '../weights/tensor-map.js';
import { SiteRefusal, type SitePrivacy } from './computation.js';
import { readVector, sumVectors, vectorTensor } from './tensor-codec.js';

/**
 * Name of the 0/1 tensor that marks which cells of the count tensor `name` a site withheld. Sites
 * send it beside the counts, and since it adds like them, the pooled mask counts the sites that
 * withheld each cell.
 */
export function withheldMaskName(name: string): string {
  return `${name}/withheld`;
}

/**
 * Applies the site's small-cell rule to released counts, in place, and returns the mask of the
 * cells withheld (1 withheld, 0 released). A count between 1 and the minimum cell size makes the
 * site refuse ("refuse") or is sent as 0 ("suppress"). Zeros are released.
 *
 * The total of a vector is usually known (the rows scored, a column's count), so one withheld cell
 * could be recovered by subtraction. When exactly one cell is withheld, the smallest other
 * positive cell is withheld too (complementary suppression). `describe` names a cell in the
 * refusal message.
 */
export function withholdSmallCells(counts: Float64Array | number[], privacy: SitePrivacy, describe: (count: number) => string): Float64Array {
  const mask = new Float64Array(counts.length);
  for (let index = 0; index < counts.length; index += 1) {
    const count = counts[index] as number;
    if (count <= 0 || count >= privacy.minCellSize) continue;

    if (privacy.smallCellAction === 'refuse') {
      throw new SiteRefusal('small_cell', `${describe(count)}, fewer than the minimum cell size ${privacy.minCellSize}`);
    }
    mask[index] = 1;
  }

  if (mask.reduce((sum, value) => sum + value, 0) === 1) {
    let complement = -1;
    for (let index = 0; index < counts.length; index += 1) {
      const count = counts[index] as number;
      if (mask[index] === 0 && count > 0 && (complement < 0 || count < (counts[complement] as number))) complement = index;
    }
    if (complement >= 0) mask[complement] = 1;
  }

  mask.forEach((withheld, index) => {
    if (withheld === 1) counts[index] = 0;
  });
  return mask;
}

/** Counts the cells a mask from `withholdSmallCells` marks as withheld. */
export function countWithheld(mask: Float64Array): number {
  return mask.reduce((sum, value) => sum + value, 0);
}

/** Returns the counts with every cell withheld at any site (mask above 0) replaced by null. */
export function releasedCounts(counts: readonly number[], mask: readonly number[]): (number | null)[] {
  return counts.map((count, index) => ((mask[index] as number) > 0 ? null : count));
}

/** A site's released counts of one tensor with the mask of the cells it withheld. */
export interface MaskedCounts {
  counts: number[];
  withheld: number[];
}

/** Returns a count tensor and its withheld-cell mask, named as `withheldMaskName` names them. */
export function maskedCountTensors(name: string, counts: ArrayLike<number>, mask: ArrayLike<number>): TensorMap {
  return { [name]: vectorTensor(counts), [withheldMaskName(name)]: vectorTensor(mask) };
}

/** Reads a count tensor and its mask from a contribution, naming `what` in an error. */
export function readMaskedCounts(tensors: TensorMap, name: string, length: number, what: string): MaskedCounts {
  return { counts: readVector(tensors, name, length, what), withheld: readVector(tensors, withheldMaskName(name), length, what) };
}

/** Adds the sites' counts. A cell withheld at any site is null, because its sum would be partial. */
export function poolMaskedCounts(sites: readonly MaskedCounts[], length: number): (number | null)[] {
  return releasedCounts(
    sumVectors(sites.map((site) => site.counts), length),
    sumVectors(sites.map((site) => site.withheld), length),
  );
}
