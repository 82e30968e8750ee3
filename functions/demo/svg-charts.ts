/**
 * Inline SVG charts for the HTML report: Kaplan–Meier step curves with confidence bands, a forest
 * plot of hazard ratios on a log scale, and line charts of a metric per round. Each returns one
 * `<svg>` element as text, with no external asset. Labels are `Bilingual`, shown by the page's
 * `lang` (see `html-report.ts`).
 */

/** A label in both languages of the report. */
export interface Bilingual {
  en: string;
  fr: string;
}

const WIDTH = 640;
const MARGIN = { top: 20, right: 20, bottom: 48, left: 64 };

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Both languages as SVG `tspan`s; the page's style shows the one matching its `lang`. */
export function svgLabel(text: Bilingual): string {
  return `<tspan data-lang="en">${escapeXml(text.en)}</tspan><tspan data-lang="fr">${escapeXml(text.fr)}</tspan>`;
}

/** Returns the linear map from a data interval to a pixel interval. */
function linearScale(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 === 0 ? 1 : d1 - d0;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}

/** Returns round tick values in [low, high], at most about `count`, at steps of 1, 2 or 5 × 10^k. */
export function niceTicks(low: number, high: number, count = 5): number[] {
  if (!(high > low)) return [low];
  const rough = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((factor) => factor * power >= rough) ?? 10) * power;
  const ticks: number[] = [];
  for (let tick = Math.ceil(low / step) * step; tick <= high + step * 1e-9; tick += step) {
    ticks.push(Number(tick.toPrecision(12)));
  }
  return ticks;
}

function formatTick(value: number): string {
  return Math.abs(value) >= 1000 || Number.isInteger(value) ? String(Math.round(value)) : String(Number(value.toPrecision(3)));
}

interface Frame {
  height: number;
  x: (value: number) => number;
  y: (value: number) => number;
  xTicks: number[];
  yTicks: number[];
  xLabel: Bilingual;
  yLabel: Bilingual;
  title: Bilingual;
}

/** Axes, grid lines, tick labels and axis titles of a chart. */
function drawFrame(frame: Frame): string {
  const bottom = frame.height - MARGIN.bottom;
  const parts = [
    `<text class="chart-title" x="${MARGIN.left}" y="14">${svgLabel(frame.title)}</text>`,
    `<line class="axis" x1="${MARGIN.left}" y1="${bottom}" x2="${WIDTH - MARGIN.right}" y2="${bottom}"/>`,
    `<line class="axis" x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}"/>`,
  ];
  for (const tick of frame.xTicks) {
    const x = frame.x(tick).toFixed(1);
    parts.push(`<line class="tick" x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 4}"/>`);
    parts.push(`<text class="tick-label" x="${x}" y="${bottom + 16}" text-anchor="middle">${formatTick(tick)}</text>`);
  }
  for (const tick of frame.yTicks) {
    const y = frame.y(tick).toFixed(1);
    parts.push(`<line class="grid" x1="${MARGIN.left}" y1="${y}" x2="${WIDTH - MARGIN.right}" y2="${y}"/>`);
    parts.push(`<text class="tick-label" x="${MARGIN.left - 6}" y="${y}" dy="0.32em" text-anchor="end">${formatTick(tick)}</text>`);
  }
  parts.push(`<text class="axis-label" x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${frame.height - 10}" text-anchor="middle">${svgLabel(frame.xLabel)}</text>`);
  parts.push(
    `<text class="axis-label" transform="translate(16 ${(MARGIN.top + bottom) / 2}) rotate(-90)" text-anchor="middle">${svgLabel(frame.yLabel)}</text>`,
  );
  return parts.join('');
}

function svgOpen(height: number, description: Bilingual): string {
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" xmlns="http://www.w3.org/2000/svg"><title>${escapeXml(description.en)} / ${escapeXml(description.fr)}</title>`;
}

/** One Kaplan–Meier curve: survival and its interval after each event time, and where follow-up ends. */
export interface SurvivalSeries {
  label: Bilingual;
  color: string;
  time: readonly number[];
  surv: readonly number[];
  lower: readonly (number | null)[];
  upper: readonly (number | null)[];
  lastTime: number;
}

/**
 * Returns the corner points of a right-continuous step function that starts at `start` at time 0, steps to
 * `values[i]` at `times[i]` and stays there until `end`.
 */
export function stepPoints(times: readonly number[], values: readonly number[], start: number, end: number): [number, number][] {
  const points: [number, number][] = [[0, start]];
  let level = start;
  times.forEach((time, index) => {
    points.push([time, level]);
    level = values[index] as number;
    points.push([time, level]);
  });
  points.push([Math.max(end, times[times.length - 1] ?? 0), level]);
  return points;
}

/** Kaplan–Meier curves as step functions with shaded pointwise confidence bands. */
export function survivalChart(series: readonly SurvivalSeries[], labels: { title: Bilingual; xLabel: Bilingual; yLabel: Bilingual }): string {
  const height = 360;
  const maxTime = Math.max(1, ...series.map((curve) => curve.lastTime));
  const x = linearScale([0, maxTime], [MARGIN.left, WIDTH - MARGIN.right]);
  const y = linearScale([0, 1], [height - MARGIN.bottom, MARGIN.top]);
  const toPath = (points: [number, number][]) => points.map(([t, s], index) => `${index === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(s).toFixed(1)}`).join('');

  const parts = [svgOpen(height, labels.title), drawFrame({ height, x, y, xTicks: niceTicks(0, maxTime, 6), yTicks: niceTicks(0, 1, 5), ...labels })];
  for (const curve of series) {
    // A missing bound (survival 0, where R prints NA) is drawn at the curve itself.
    const upper = curve.upper.map((value, index) => value ?? (curve.surv[index] as number));
    const lower = curve.lower.map((value, index) => value ?? (curve.surv[index] as number));
    const band = [...stepPoints(curve.time, upper, 1, curve.lastTime), ...stepPoints(curve.time, lower, 1, curve.lastTime).reverse()];
    parts.push(`<path class="band" fill="${curve.color}" d="${toPath(band)}Z"/>`);
    parts.push(`<path class="curve" stroke="${curve.color}" d="${toPath(stepPoints(curve.time, curve.surv, 1, curve.lastTime))}"/>`);
  }
  series.forEach((curve, index) => {
    const legendY = MARGIN.top + 14 + index * 18;
    parts.push(`<line x1="${WIDTH - 190}" y1="${legendY}" x2="${WIDTH - 168}" y2="${legendY}" stroke="${curve.color}" stroke-width="3"/>`);
    parts.push(`<text class="legend" x="${WIDTH - 162}" y="${legendY}" dy="0.32em">${svgLabel(curve.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** One row of a forest plot: a hazard ratio and its confidence interval. */
export interface ForestRow {
  label: Bilingual;
  estimate: number;
  lower: number;
  upper: number;
}

/** Hazard ratios with 95% intervals on a log scale, with the line of no effect at 1. */
export function forestPlot(rows: readonly ForestRow[], labels: { title: Bilingual; xLabel: Bilingual }): string {
  const rowHeight = 26;
  const labelWidth = 250;
  const height = MARGIN.top + 16 + rows.length * rowHeight + MARGIN.bottom;
  const low = Math.min(1, ...rows.map((row) => row.lower)) * 0.9;
  const high = Math.max(1, ...rows.map((row) => row.upper)) * 1.1;
  const x = linearScale([Math.log(low), Math.log(high)], [labelWidth, WIDTH - MARGIN.right]);
  const bottom = height - MARGIN.bottom;
  const ticks = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8].filter((tick) => tick >= low && tick <= high);

  const parts = [
    svgOpen(height, labels.title),
    `<text class="chart-title" x="${MARGIN.left}" y="14">${svgLabel(labels.title)}</text>`,
    `<line class="axis" x1="${labelWidth}" y1="${bottom}" x2="${WIDTH - MARGIN.right}" y2="${bottom}"/>`,
    `<line class="reference" x1="${x(0).toFixed(1)}" y1="${MARGIN.top + 8}" x2="${x(0).toFixed(1)}" y2="${bottom}"/>`,
  ];
  for (const tick of ticks) {
    const position = x(Math.log(tick)).toFixed(1);
    parts.push(`<line class="tick" x1="${position}" y1="${bottom}" x2="${position}" y2="${bottom + 4}"/>`);
    parts.push(`<text class="tick-label" x="${position}" y="${bottom + 16}" text-anchor="middle">${tick}</text>`);
  }
  rows.forEach((row, index) => {
    const centre = MARGIN.top + 24 + index * rowHeight;
    const left = x(Math.log(row.lower)).toFixed(1);
    const right = x(Math.log(row.upper)).toFixed(1);
    const point = x(Math.log(row.estimate));
    parts.push(`<text class="legend" x="8" y="${centre}" dy="0.32em">${svgLabel(row.label)}</text>`);
    parts.push(`<line class="interval" x1="${left}" y1="${centre}" x2="${right}" y2="${centre}"/>`);
    parts.push(`<rect class="estimate" x="${(point - 5).toFixed(1)}" y="${centre - 5}" width="10" height="10"/>`);
  });
  parts.push(`<text class="axis-label" x="${(labelWidth + WIDTH - MARGIN.right) / 2}" y="${height - 10}" text-anchor="middle">${svgLabel(labels.xLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** Draws a metric per round (rounds numbered from 1) as a line with points. */
export function roundsChart(values: readonly number[], labels: { title: Bilingual; yLabel: Bilingual; xLabel: Bilingual }): string {
  const height = 260;
  const finite = values.filter((value) => Number.isFinite(value));
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  const padding = (high - low) * 0.08 || Math.abs(high) * 0.01 || 1;
  const yTicks = niceTicks(low - padding, high + padding, 5);
  const x = linearScale([1, Math.max(2, values.length)], [MARGIN.left + 10, WIDTH - MARGIN.right - 10]);
  const y = linearScale([Math.min(low - padding, yTicks[0] ?? low), Math.max(high + padding, yTicks[yTicks.length - 1] ?? high)], [height - MARGIN.bottom, MARGIN.top + 8]);
  const xTicks = niceTicks(1, Math.max(2, values.length), Math.min(10, values.length)).filter((tick) => Number.isInteger(tick));

  const parts = [svgOpen(height, labels.title), drawFrame({ height, x, y, xTicks, yTicks, ...labels })];
  const points = values.map((value, index) => [x(index + 1), y(value)] as const).filter(([, py]) => Number.isFinite(py));
  parts.push(`<polyline class="line" points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`);
  for (const [px, py] of points) parts.push(`<circle class="point" cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3"/>`);
  parts.push('</svg>');
  return parts.join('');
}
