/** Column alignment: text left, numbers right. */
export type Alignment = 'left' | 'right';

/**
 * Formats rows as a plain-text table with a header and a rule under it; columns are as wide as
 * their widest cell. `align` gives each column's alignment (left by default).
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Alignment[] = []): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const formatRow = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (align[column] === 'right' ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [formatRow(header), widths.map((width) => '─'.repeat(width)).join('  '), ...rows.map(formatRow)].join('\n');
}

/** Formats a number with fixed decimals, or "–" when it is missing. */
export function fixed(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** Formats a p-value as clinical papers print it: three decimals, or "<0.001". */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

/** "p = 0.003" or "p < 0.001", for a sentence. */
export function pEquals(p: number | null | undefined): string {
  const text = formatP(p);
  return text.startsWith('<') ? `p ${text.replace('<', '< ')}` : `p = ${text}`;
}

/** Formats an interval "lower–upper". A bound that does not exist (R prints NA) shows as "NA". */
export function interval(lower: number | null | undefined, upper: number | null | undefined, digits: number): string {
  const bound = (value: number | null | undefined) => (value === null || value === undefined || !Number.isFinite(value) ? 'NA' : value.toFixed(digits));
  return `${bound(lower)}–${bound(upper)}`;
}

/** Formats a count, or "<N" where a site's policy withheld it. */
export function formatCount(count: number | null, minimumCellSize: number): string {
  return count === null ? `<${minimumCellSize}` : String(count);
}
