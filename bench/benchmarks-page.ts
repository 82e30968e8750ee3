// Editing of docs/benchmarks.md: each benchmark owns one `## ` section that ends with its table
// of results, and a new run adds one row to that table.

/**
 * Returns the page with `row` appended to the table that ends the section titled `heading`.
 * When the page has no such section, appends `sectionIntro` (heading, text and table header)
 * followed by the row.
 */
export function insertSectionRow(page: string, heading: string, sectionIntro: string, row: string): string {
  const sectionStart = page.indexOf(`${heading}\n`);
  if (sectionStart === -1) {
    return `${page.trimEnd()}\n\n${sectionIntro.trimEnd()}\n${row}\n`;
  }

  const nextSection = page.indexOf('\n## ', sectionStart + heading.length);
  const sectionEnd = nextSection === -1 ? page.length : nextSection;
  const section = page.slice(0, sectionEnd).trimEnd();
  const rest = page.slice(sectionEnd).replace(/^\n+/, '');

  return rest.length === 0 ? `${section}\n${row}\n` : `${section}\n${row}\n\n${rest}`;
}
