import { describe, expect, it } from 'vitest';

import { insertSectionRow } from './benchmarks-page.js';

const HEADING = '## Import time';
const INTRO = `${HEADING}\n\nHow it is measured.\n\n| date | ms |\n| --- | ---: |\n`;
const ROW = '| 2026-12-04 | 12.5 |';

describe('insertSectionRow', () => {
  it('appends the section when the page lacks it', () => {
    const page = '# Benchmarks\n\nIntro.\n';

    expect(insertSectionRow(page, HEADING, INTRO, ROW)).toBe(
      '# Benchmarks\n\nIntro.\n\n## Import time\n\nHow it is measured.\n\n| date | ms |\n| --- | ---: |\n| 2026-12-04 | 12.5 |\n',
    );
  });

  it('adds a row to a section at the end of the page', () => {
    const page = `# Benchmarks\n\n${INTRO}| 2026-12-01 | 14.0 |\n`;

    expect(insertSectionRow(page, HEADING, INTRO, ROW)).toBe(`${page}${ROW}\n`);
  });

  it('adds a row before the next section', () => {
    const page = `# Benchmarks\n\n${INTRO}| 2026-12-01 | 14.0 |\n\n## Training step\n\nOther table.\n`;

    expect(insertSectionRow(page, HEADING, INTRO, ROW)).toBe(
      `# Benchmarks\n\n${INTRO}| 2026-12-01 | 14.0 |\n${ROW}\n\n## Training step\n\nOther table.\n`,
    );
  });

  it('ignores a heading that only starts the same way', () => {
    const page = '# Benchmarks\n\n## Import time of the gateway\n\nOther table.\n';

    expect(insertSectionRow(page, HEADING, INTRO, ROW)).toContain(`## Import time of the gateway\n\nOther table.\n\n${INTRO}${ROW}\n`);
  });
});
