import { describe, expect, it } from 'vitest';

import { readCsvTable, readSharedJson, seededRandom } from '../stats/testing/csv-table.js';
import { addConcordance, concordanceIndex, countConcordance, ZERO_CONCORDANCE, type ConcordanceCounts } from '../cox/concordance.js';
import { validateUpdate } from '../aggregate/index.js';
import { siteTensorsToTensorMap } from '../stats/site-layout.js';
import { compileConcordanceSiteGraph, computeConcordanceSiteCounts, concordanceSiteLayout } from './concordance-site.js';

/** All-pairs count written directly from the definition, one unordered pair at a time. */
function referenceCounts(time: ArrayLike<number>, event: ArrayLike<number>, risk: ArrayLike<number>, strata?: ArrayLike<number>): ConcordanceCounts {
  const counts: ConcordanceCounts = { concordant: 0, discordant: 0, tiedScore: 0, tiedTime: 0, tiedTimeAndScore: 0 };
  for (let a = 0; a < time.length; a += 1) {
    for (let b = a + 1; b < time.length; b += 1) {
      if (strata !== undefined && strata[a] !== strata[b]) continue;
      const [ta, tb, ea, eb, ra, rb] = [time[a]!, time[b]!, event[a]!, event[b]!, risk[a]!, risk[b]!];
      if (ta === tb && ea === 1 && eb === 1) {
        if (ra === rb) counts.tiedTimeAndScore += 1;
        else counts.tiedTime += 1;
        continue;
      }
      // The row that failed first: the shorter time, or the event when a censored row ties it.
      let early: number;
      if (ta < tb || (ta === tb && ea === 1)) early = a;
      else if (tb < ta || (ta === tb && eb === 1)) early = b;
      else continue;
      if (event[early] !== 1) continue;
      const late = early === a ? b : a;
      if (risk[early]! > risk[late]!) counts.concordant += 1;
      else if (risk[early]! < risk[late]!) counts.discordant += 1;
      else counts.tiedScore += 1;
    }
  }
  return counts;
}

interface CoxReference {
  breslow: {
    tight_control: {
      coefficients: Record<string, number>;
      concordance: number;
      concordance_counts: { concordant: number; discordant: number; 'tied.x': number; 'tied.y': number; 'tied.xy': number };
    };
  };
}

function linearPredictor(file: string, coefficients: Record<string, number>) {
  const table = readCsvTable(file);
  const column = (name: string) => table.columns.get(name)!.values as number[];
  const risk = new Float64Array(table.rowCount);
  for (const [name, beta] of Object.entries(coefficients)) {
    column(name).forEach((value, row) => {
      risk[row] = risk[row]! + beta * value;
    });
  }
  return { time: Float64Array.from(column('time')), event: Float64Array.from(column('event')), risk };
}

const inputs = { time: 'time', event: 'event', risk: 'lp' };

describe("Harrell's C site graph", () => {
  const reference = readSharedJson<CoxReference>('reference/gbsg2_cox.json').breslow.tight_control;

  it('matches R concordance counts for the GBSG2 Cox model', async () => {
    const { counts } = await computeConcordanceSiteCounts(linearPredictor('gbsg2_design.csv', reference.coefficients), inputs);

    expect(counts).toEqual({
      concordant: reference.concordance_counts.concordant,
      discordant: reference.concordance_counts.discordant,
      tiedScore: reference.concordance_counts['tied.x'],
      tiedTime: reference.concordance_counts['tied.y'],
      tiedTimeAndScore: reference.concordance_counts['tied.xy'],
    });
    expect(Math.abs(concordanceIndex(counts)! - reference.concordance)).toBeLessThan(1e-12);
  });

  it('sums sites into the C-index stratified by site', async () => {
    const sites = await Promise.all(
      ['site1.csv', 'site2.csv', 'site3.csv'].map((file) =>
        computeConcordanceSiteCounts(linearPredictor(`gbsg2_sites/${file}`, reference.coefficients), inputs),
      ),
    );
    const pooled = linearPredictor('gbsg2_design.csv', reference.coefficients);
    // Row i of the pooled file sits at site (i mod 3), as the site files were split.
    const site = Array.from({ length: pooled.time.length }, (_, i) => i % 3);

    expect(sites.map((result) => result.counts).reduce(addConcordance, ZERO_CONCORDANCE)).toEqual(referenceCounts(pooled.time, pooled.event, pooled.risk, site));
  });

  it.each(['float64', 'float32'] as const)('matches all-pairs counts on tied %s data across chunks and strata', async (dtype) => {
    const random = seededRandom(dtype === 'float64' ? 11 : 12);
    const n = 2500;
    const time = Float64Array.from({ length: n }, () => Math.floor(random() * 80));
    const event = Float64Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0));
    const riskValues = Float64Array.from({ length: n }, () => Math.round(random() * 30) / 7);
    const risk = dtype === 'float64' ? riskValues : Float32Array.from(riskValues);
    const strata = Array.from({ length: n }, () => Math.floor(random() * 2));
    const { counts } = await computeConcordanceSiteCounts({ time, event, risk, strata }, { ...inputs, strata: 'ward', dtype });

    expect(counts).toEqual(referenceCounts(time, event, risk, strata));
    // The Cox module's O(n log n) count is a second, independent reference (one stratum at a time).
    const byStratum = [0, 1].map((code) => {
      const rows = strata.flatMap((value, row) => (value === code ? [row] : []));
      return countConcordance(rows.map((row) => time[row]!), rows.map((row) => event[row]!), rows.map((row) => risk[row]!));
    });
    expect(counts).toEqual(byStratum.reduce(addConcordance, ZERO_CONCORDANCE));
    expect(counts.tiedScore).toBeGreaterThan(0);
    expect(counts.tiedTime).toBeGreaterThan(0);
  });

  it('produces updates that match the declared layout', async () => {
    const data = { time: Float64Array.from([1, 2, 3]), event: Float64Array.from([1, 0, 1]), risk: Float64Array.from([3, 2, 1]) };
    const { tensors } = await computeConcordanceSiteCounts(data, inputs);
    const update = { siteId: 'site-a', sampleCount: 3, tensors: siteTensorsToTensorMap(tensors) };
    const validation = validateUpdate(update, { layout: concordanceSiteLayout(), maxL2Norm: Infinity });

    expect(validation.ok, JSON.stringify(validation)).toBe(true);
  });

  it('compiles byte-identical graphs', () => {
    expect(compileConcordanceSiteGraph(inputs).sha256).toBe(compileConcordanceSiteGraph(inputs).sha256);
  });

  it.each([
    ['an event of 2', { time: [1], event: [2], risk: [0] }, /event indicator 2 must be 0 or 1/],
    ['an infinite time', { time: [Infinity], event: [1], risk: [0] }, /must both be finite/],
    ['unequal lengths', { time: [1, 2], event: [1], risk: [0, 1] }, /one value per row/],
  ])('rejects %s', async (_case, columns, message) => {
    const data = { time: Float64Array.from(columns.time), event: Float64Array.from(columns.event), risk: Float64Array.from(columns.risk) };
    await expect(computeConcordanceSiteCounts(data, inputs)).rejects.toThrow(message);
  });

});
