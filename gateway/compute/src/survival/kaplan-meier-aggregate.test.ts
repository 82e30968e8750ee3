import { describe, expect, it } from 'vitest';

import { sumUpdates, validateUpdate, type ValidatedUpdate } from '../aggregate/index.js';
import { modelSpecSchema } from '../spec/index.js';
import { siteTensorsToTensorMap, tensorMapToSiteTensors } from '../stats/site-layout.js';
import { readCsvTable } from '../stats/testing/csv-table.js';
import { sumKaplanMeierCounts } from './kaplan-meier-counts.js';
import {
  computeKaplanMeierSiteCounts,
  kaplanMeierCountsFromTensors,
  kaplanMeierSiteLayout,
  type KaplanMeierSpec,
} from './kaplan-meier-site.js';
import { summarizeKaplanMeier } from './kaplan-meier-summary.js';

describe('binned Kaplan–Meier through the aggregate module', () => {
  const spec = modelSpecSchema.parse({
    family: 'kaplan_meier',
    outcome: { kind: 'survival', time: 'time', event: 'event' },
    groupBy: 'horTh_yes',
  }) as KaplanMeierSpec;
  // A 30-day grid up to 5 years: later times go to the overflow row.
  const options = { groupLevels: ['0', '1'], timeGrid: Array.from({ length: 61 }, (_, i) => i * 30) };
  const layout = { groups: options.groupLevels, timeGrid: options.timeGrid };

  it('validates, sums and reads back the same counts as merging by time', async () => {
    const sites = await Promise.all(
      ['site1.csv', 'site2.csv', 'site3.csv'].map((file) => computeKaplanMeierSiteCounts(readCsvTable(`gbsg2_sites/${file}`), spec, options)),
    );

    const updates = sites.map((site, index) => {
      const result = validateUpdate(
        { siteId: `site-${index + 1}`, sampleCount: site.rowCount, tensors: siteTensorsToTensorMap(site.tensors) },
        { layout: kaplanMeierSiteLayout(layout), maxL2Norm: Infinity },
      );
      if (!result.ok) {
        throw new Error(`site ${index + 1} update rejected: ${JSON.stringify(result.rejections)}`);
      }
      return result.update as ValidatedUpdate;
    });
    const summed = sumUpdates(updates, { layout: kaplanMeierSiteLayout(layout), weighting: 'uniform' });
    const counts = kaplanMeierCountsFromTensors(tensorMapToSiteTensors(summed.sums), layout);

    expect(counts).toEqual(sumKaplanMeierCounts(sites.map((site) => site.counts)));
    expect(summed.totalSamples).toBe(686);
    const curve = summarizeKaplanMeier(counts, { times: [365, 1825, 2000] });
    expect(curve.n).toBe(686);
    const nonEmpty = options.timeGrid.filter((_, i) => [...counts.events[i]!, ...counts.censored[i]!].some((value) => value > 0));
    expect(curve.time).toEqual(nonEmpty);
    expect(curve.survivalAt[2]!.surv).toBeNull();
  });

  it('has no fixed layout in exact mode', () => {
    expect(() => kaplanMeierSiteLayout({ groups: ['all'] })).toThrow(/merge them with sumKaplanMeierCounts/);
  });
});
