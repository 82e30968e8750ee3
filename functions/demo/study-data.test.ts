import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import {
  DEFAULT_GBSG2_FILE,
  DEFAULT_WDBC_FILE,
  GBSG2_COLUMNS,
  readCsvLines,
  requireColumns,
  requireSiteSizes,
  splitRows,
  StudyDataError,
  WDBC_COLUMNS,
  writeSiteFiles,
} from './study-data.js';

describe('splitRows', () => {
  it('sends row i to site ((i - 1) mod N) + 1', () => {
    const rows = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'];

    expect(splitRows(rows, 3)).toEqual([
      ['r1', 'r4', 'r7'],
      ['r2', 'r5'],
      ['r3', 'r6'],
    ]);
  });

  it('splits GBSG2 into the sizes of the R reference sites', async () => {
    const gbsg2 = await readCsvLines(DEFAULT_GBSG2_FILE);

    const sites = splitRows(gbsg2.rows, 3);

    expect(sites.map((site) => site.length)).toEqual([229, 229, 228]);
    const events = sites.map((site) => site.filter((row) => row.endsWith(',1')).length);
    expect(events).toEqual([98, 102, 99]);
  });
});

describe('shipped data files', () => {
  it('have every column the study reads', async () => {
    const gbsg2 = await readCsvLines(DEFAULT_GBSG2_FILE);
    const wdbc = await readCsvLines(DEFAULT_WDBC_FILE);

    expect(() => requireColumns(gbsg2, GBSG2_COLUMNS, 'GBSG2')).not.toThrow();
    expect(() => requireColumns(wdbc, WDBC_COLUMNS, 'WDBC')).not.toThrow();
    expect(gbsg2.rows).toHaveLength(686);
    expect(wdbc.rows).toHaveLength(569);
  });
});

describe('requireColumns', () => {
  it('names the missing columns and the header', () => {
    const file = { path: 'cohort.csv', header: ['horTh', 'age', 'Time'], rows: [] };

    expect(() => requireColumns(file, ['horTh', 'age', 'time', 'cens'], 'GBSG2')).toThrow(StudyDataError);
    expect(() => requireColumns(file, ['horTh', 'age', 'time', 'cens'], 'GBSG2')).toThrow(/lacks the GBSG2 column\(s\) time, cens; its header has horTh, age, Time/);
  });
});

describe('requireSiteSizes', () => {
  it('rejects sites below the minimum cohort and suggests a site count', () => {
    const file = { path: 'small.csv', header: [...GBSG2_COLUMNS], rows: Array.from({ length: 35 }, () => 'row') };

    expect(() => requireSiteSizes(file, 3)).not.toThrow();
    expect(() => requireSiteSizes(file, 4)).toThrow(/4 sites would hold as few as 8, below the gateways' minimum cohort size of 10; use --sites 3 or fewer/);
  });
});

describe('readCsvLines', () => {
  it('reports a missing file with the option to fix', async () => {
    await expect(readCsvLines('/nonexistent/cohort.csv')).rejects.toThrow(/cannot read data file \/nonexistent\/cohort.csv .*check the path given to --data/);
  });
});

describe('writeSiteFiles', () => {
  const folder = mkdtempSync(join(tmpdir(), 'onsite-site-files-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('writes each site its rows under the source header', async () => {
    const gbsg2 = { path: 'g.csv', header: ['time', 'cens'], rows: ['1,0', '2,1', '3,0', '4,1', '5,1'] };
    const wdbc = { path: 'w.csv', header: ['diagnosis'], rows: ['M', 'B', 'B'] };

    const sites = await writeSiteFiles(folder, gbsg2, wdbc, 2);

    expect(sites.map((site) => [site.site, site.gbsg2Rows, site.wdbcRows])).toEqual([
      [1, 3, 2],
      [2, 2, 1],
    ]);
    expect(readFileSync(sites[0]!.gbsg2, 'utf8')).toBe('time,cens\n1,0\n3,0\n5,1\n');
    expect(readFileSync(sites[1]!.wdbc, 'utf8')).toBe('diagnosis\nB\n');
  });
});
