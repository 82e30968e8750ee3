import { describe, expect, it } from 'vitest';

import { escapeXml, forestPlot, niceTicks, roundsChart, stepPoints, survivalChart } from './svg-charts.js';

const LABEL = { en: 'Survival', fr: 'Survie' };

describe('stepPoints', () => {
  it('draws a right-continuous step function to the end of follow-up', () => {
    expect(stepPoints([10, 20], [0.8, 0.5], 1, 30)).toEqual([
      [0, 1],
      [10, 1],
      [10, 0.8],
      [20, 0.8],
      [20, 0.5],
      [30, 0.5],
    ]);
  });

  it('keeps a curve without events flat', () => {
    expect(stepPoints([], [], 1, 50)).toEqual([
      [0, 1],
      [50, 1],
    ]);
  });
});

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 2659, 6)).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    expect(niceTicks(-1461, -1408, 5)).toEqual([-1460, -1440, -1420]);
  });
});

describe('charts', () => {
  it('escape labels and carry both languages', () => {
    const svg = survivalChart(
      [{ label: { en: 'yes <& no>', fr: 'oui' }, color: '#000', time: [100], surv: [0.9], lower: [0.8], upper: [null], lastTime: 200 }],
      { title: LABEL, xLabel: LABEL, yLabel: LABEL },
    );

    expect(svg).toContain('yes &lt;&amp; no&gt;');
    expect(svg).toContain('<tspan data-lang="fr">oui</tspan>');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
  });

  it('draw one marker per hazard ratio', () => {
    const svg = forestPlot(
      [
        { label: LABEL, estimate: 0.7, lower: 0.5, upper: 0.9 },
        { label: LABEL, estimate: 2.2, lower: 1.3, upper: 3.7 },
      ],
      { title: LABEL, xLabel: LABEL },
    );

    expect(svg.match(/<rect class="estimate"/g)).toHaveLength(2);
  });

  it('draw one point per round', () => {
    const svg = roundsChart([-1460.8, -1446.3, -1410.7, -1408.8], { title: LABEL, yLabel: LABEL, xLabel: LABEL });

    expect(svg.match(/<circle class="point"/g)).toHaveLength(4);
  });
});

describe('escapeXml', () => {
  it('escapes markup and quotes', () => {
    expect(escapeXml('<a href="x">&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });
});
