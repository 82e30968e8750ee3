import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The GBSG2 file shipped with the demo (686 patients; source and licence in data/README.md). */
export const DEFAULT_GBSG2_FILE = fileURLToPath(new URL('./data/gbsg2.csv', import.meta.url));

/** The WDBC file shipped with the demo (569 fine-needle aspirates; source and licence in data/README.md). */
export const DEFAULT_WDBC_FILE = fileURLToPath(new URL('./data/wdbc.csv', import.meta.url));

/** Columns of TH.data's GBSG2, as `write.csv` exports them; a `--data` file must have all of them. */
export const GBSG2_COLUMNS = ['horTh', 'age', 'menostat', 'tsize', 'tgrade', 'pnodes', 'progrec', 'estrec', 'time', 'cens'] as const;

/** The WDBC columns the study reads: the outcome and the five `mean5` features of the R reference. */
export const WDBC_FEATURES = ['radius_mean', 'texture_mean', 'smoothness_mean', 'concave_points_mean', 'symmetry_mean'] as const;
export const WDBC_COLUMNS = ['diagnosis', ...WDBC_FEATURES] as const;

/** Smallest and largest number of simulated hospitals. */
export const MIN_SITES = 2;
export const MAX_SITES = 10;

/**
 * Smallest number of rows a site may hold: the gateways' default `minCohortSize`, below which they
 * refuse every task.
 */
export const MIN_ROWS_PER_SITE = 10;

/** A comma-separated file split into its header and data lines (no quoting, as the shipped files). */
export interface CsvLines {
  path: string;
  header: string[];
  rows: string[];
}

/** Raised for a data file the study cannot use; the message names the file and the fix. */
export class StudyDataError extends Error {
  override name = 'StudyDataError';
}

/** Reads a CSV file as header and data lines, ignoring a final empty line and CR before LF. */
export async function readCsvLines(path: string): Promise<CsvLines> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new StudyDataError(`cannot read data file ${path} (${(error as Error).message}); check the path given to --data`, { cause: error });
  }

  const lines = text.split(/\r?\n/).filter((line) => line !== '');
  const [headerLine, ...rows] = lines;
  if (headerLine === undefined) {
    throw new StudyDataError(`data file ${path} is empty; it needs a header row and one row per patient`);
  }
  return { path, header: headerLine.split(',').map((name) => name.trim()), rows };
}

/** Checks that a file has every column the study reads, naming the missing ones. */
export function requireColumns(file: CsvLines, required: readonly string[], what: string): void {
  const present = new Set(file.header);
  const missing = required.filter((column) => !present.has(column));
  if (missing.length > 0) {
    throw new StudyDataError(
      `${file.path} lacks the ${what} column(s) ${missing.join(', ')}; ` +
        `its header has ${file.header.join(', ')}, and the study needs ${required.join(', ')} (names are case-sensitive)`,
    );
  }
}

/**
 * Splits rows among `siteCount` hospitals by the rule of the R reference fits: 1-based row i goes
 * to site ((i − 1) mod N) + 1. Site k gets rows k, k + N, k + 2N, … in their original order.
 */
export function splitRows<T>(rows: readonly T[], siteCount: number): T[][] {
  const sites: T[][] = Array.from({ length: siteCount }, () => []);
  rows.forEach((row, index) => {
    (sites[index % siteCount] as T[]).push(row);
  });
  return sites;
}

/** Checks that every site of a split meets the gateways' minimum cohort size. */
export function requireSiteSizes(file: CsvLines, siteCount: number): void {
  const smallest = Math.floor(file.rows.length / siteCount);
  if (smallest < MIN_ROWS_PER_SITE) {
    const largestSiteCount = Math.floor(file.rows.length / MIN_ROWS_PER_SITE);
    throw new StudyDataError(
      `${file.path} has ${file.rows.length} rows, so ${siteCount} sites would hold as few as ${smallest}, ` +
        `below the gateways' minimum cohort size of ${MIN_ROWS_PER_SITE}; use --sites ${Math.max(MIN_SITES, Math.min(largestSiteCount, MAX_SITES))} or fewer, or a larger file`,
    );
  }
}

/** One hospital's share of both datasets, as files on its own disk. */
export interface SiteFiles {
  /** 1-based site number. */
  site: number;
  gbsg2: string;
  wdbc: string;
  gbsg2Rows: number;
  wdbcRows: number;
}

/**
 * Writes each site's GBSG2 and WDBC rows to `<folder>/site<k>/`, with the same header as the
 * source, and returns the paths. The columns stay as they are: the gateways type them.
 */
export async function writeSiteFiles(folder: string, gbsg2: CsvLines, wdbc: CsvLines, siteCount: number): Promise<SiteFiles[]> {
  const gbsg2Sites = splitRows(gbsg2.rows, siteCount);
  const wdbcSites = splitRows(wdbc.rows, siteCount);

  const written: SiteFiles[] = [];
  for (let index = 0; index < siteCount; index += 1) {
    const siteFolder = join(folder, `site${index + 1}`);
    await mkdir(siteFolder, { recursive: true });
    const gbsg2Rows = gbsg2Sites[index] as string[];
    const wdbcRows = wdbcSites[index] as string[];
    const files: SiteFiles = {
      site: index + 1,
      gbsg2: join(siteFolder, 'gbsg2.csv'),
      wdbc: join(siteFolder, 'wdbc.csv'),
      gbsg2Rows: gbsg2Rows.length,
      wdbcRows: wdbcRows.length,
    };
    await writeFile(files.gbsg2, [gbsg2.header.join(','), ...gbsg2Rows, ''].join('\n'));
    await writeFile(files.wdbc, [wdbc.header.join(','), ...wdbcRows, ''].join('\n'));
    written.push(files);
  }
  return written;
}
