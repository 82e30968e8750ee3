import { describe, expect, it } from 'vitest';

import { renderHtmlReport } from './html-report.js';
import type { CurveReport, StudyReport } from './study-report.js';
import { formatTerminalReport } from './terminal-report.js';

function curve(n: number, median: number | null): CurveReport {
  return {
    n,
    events: 3,
    median,
    medianLower: median === null ? null : median - 100,
    medianUpper: null,
    time: [100, 400, 900],
    nRisk: [n, n - 5, n - 12],
    nEvent: [1, 1, 1],
    surv: [0.95, 0.7, 0.45],
    lower: [0.9, 0.6, 0.3],
    upper: [1, 0.8, 0.6],
    lastTime: 1200,
    survivalAt: [365, 730, 1095, 1825].map((days) => ({ days, nRisk: 10, surv: 0.7, lower: 0.6, upper: 0.8 })),
  };
}

const COVARIATES = ['horTh_yes', 'age'];
const byCovariate = (values: number[]) => Object.fromEntries(COVARIATES.map((name, index) => [name, values[index] as number]));
const performance = {
  pooled: { n: 30, accuracy: 0.9, auc: 0.95 },
  perSite: [
    { site: 'Site 1', n: 15, accuracy: 0.87, auc: 0.93 },
    { site: 'Site 2', n: 15, accuracy: 0.93, auc: 0.97 },
  ],
};

/** A small report with every section filled, values made up. */
const REPORT: StudyReport = {
  project: 'Risk of relapse after localised breast cancer',
  dataFile: '/data/gbsg2.csv',
  elapsedSeconds: 12.3,
  sites: [
    { name: 'Site 1', gatewayId: 'gtw_1', gbsg2Rows: 20, wdbcRows: 15 },
    { name: 'Site 2', gatewayId: 'gtw_2', gbsg2Rows: 20, wdbcRows: 15 },
  ],
  cohort: {
    jobId: 'job_cohort',
    minimumCellSize: 10,
    pooled: { rows: 40, numeric: [{ column: 'age', n: 40, mean: 52.5, sd: 9.8 }], categorical: [{ column: 'tgrade', levels: [{ level: 'I', count: 12 }] }] },
    withheldCellsAtSites: 1,
    perSite: [
      { site: 'Site 1', withheldCells: 1, rows: 20, numeric: [{ column: 'age', n: 20, mean: 51, sd: 9 }], categorical: [{ column: 'tgrade', levels: [{ level: 'I', count: null }] }] },
      { site: 'Site 2', withheldCells: 0, rows: 20, numeric: [{ column: 'age', n: 20, mean: 54, sd: 10 }], categorical: [{ column: 'tgrade', levels: [{ level: 'I', count: 12 }] }] },
    ],
  },
  km: { jobId: 'job_km', groupColumn: 'horTh', overall: curve(40, 900), byGroup: { no: curve(25, 800), yes: curve(15, null) } },
  logrank: { chisq: 4.2, df: 1, p: 0.04, groups: ['no', 'yes'], observed: [2, 1], expected: [1.5, 1.5], stratifiedBySite: { chisq: 4.5, df: 1, p: 0.034 } },
  cox: {
    jobId: 'job_cox',
    ties: 'breslow',
    n: 40,
    events: 3,
    covariates: COVARIATES,
    coefficients: byCovariate([-0.35, -0.01]),
    se: byCovariate([0.13, 0.009]),
    hazardRatio: byCovariate([0.7, 0.99]),
    lower95: byCovariate([0.55, 0.97]),
    upper95: byCovariate([0.9, 1.01]),
    p: byCovariate([0.006, 0.31]),
    loglik: -100.5,
    loglikNull: -110.2,
    likelihoodRatio: { chisq: 19.4, df: 2, p: 0.0001 },
    concordance: 0.69,
    concordanceSe: 0.015,
    iterations: 4,
    converged: true,
    rounds: 5,
    loglikByRound: [-110.2, -102, -100.6, -100.5, -100.5],
  },
  wdbc: { statisticsJobId: 'job_stats', n: 30, standardisation: { radius_mean: { mean: 14.1, sd: 3.5 } } },
  logistic: {
    jobId: 'job_logistic',
    coefficients: { '(Intercept)': -0.76, radius_mean: 3.25 },
    se: { '(Intercept)': 0.22, radius_mean: 0.62 },
    p: { '(Intercept)': 0.0005, radius_mean: 1e-7 },
    deviance: 157.4,
    nullDeviance: 751.4,
    aic: 169.4,
    iterations: 8,
    rounds: 10,
    devianceByRound: [327, 292, 205, 170, 159, 157.5, 157.4, 157.4, 157.4],
    evaluation: performance,
  },
  mlp: { jobId: 'job_mlp', hiddenLayers: [16], trainingRounds: 3, rounds: 4, lossByRound: [0.66, 0.38, 0.26], evaluation: performance },
};

describe('renderHtmlReport', () => {
  const html = renderHtmlReport(REPORT);

  it('loads nothing from outside the page', () => {
    const references = [...html.matchAll(/(?:src|href)\s*=\s*"([^"]*)"/g)].map((match) => match[1]);
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<)]+/g)].map((match) => match[0]);

    expect(references).toEqual([]);
    expect(urls.every((url) => url === 'http://www.w3.org/2000/svg')).toBe(true);
    expect(html).not.toMatch(/<link\b/);
    expect(html).not.toMatch(/@import/);
  });

  it('switches between French and English', () => {
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('html[lang="en"] [data-lang="fr"], html[lang="fr"] [data-lang="en"] { display: none; }');
    expect(html).toContain('id="language"');
    expect(html).toContain('<span data-lang="fr">Modèle de Cox stratifié sur le site</span>');
    expect(html).toContain('<span data-lang="en">Stratified Cox model</span>');
  });

  it('draws the survival, forest and training charts', () => {
    expect(html.match(/<svg /g)).toHaveLength(6);
    expect(html.match(/<path class="curve"/g)).toHaveLength(3);
    expect(html.match(/<path class="band"/g)).toHaveLength(3);
    expect(html.match(/<rect class="estimate"/g)).toHaveLength(COVARIATES.length);
    expect(html.match(/<circle class="point"/g)).toHaveLength(REPORT.cox.loglikByRound.length + REPORT.logistic.devianceByRound.length + REPORT.mlp.lossByRound.length);
  });

  it('shows withheld counts and a missing bound as such', () => {
    expect(html).toContain('<td>&lt;10</td>');
    expect(html).toContain('900 (800–NA)');
  });
});

describe('formatTerminalReport', () => {
  const text = formatTerminalReport(REPORT);

  it('prints the Cox table with design names', () => {
    expect(text).toMatch(/Hormone therapy \(yes vs no\)\s+horTh_yes\s+0\.700\s+0\.550–0\.900\s+0\.006/);
    expect(text).toContain('likelihood ratio χ² = 19.40 on 2 df, p < 0.001');
  });

  it('prints medians, survival and the log-rank test', () => {
    expect(text).toMatch(/horTh = yes\s+15\s+3\s+– \(NA–NA\)/);
    expect(text).toContain('Log-rank test, horTh: χ² = 4.20 on 1 df, p = 0.040');
  });

  it('prints the cohort with cells withheld per site', () => {
    expect(text).toMatch(/age, mean \(SD\)\s+51\.0 \(9\.0\)\s+54\.0 \(10\.0\)\s+52\.5 \(9\.8\)/);
    expect(text).toMatch(/tgrade = I, n\s+<10\s+12\s+12/);
    expect(text).toMatch(/Cells withheld at the site\s+1\s+0\s+1/);
  });

  it('prints both models per site and pooled', () => {
    expect(text).toMatch(/Site 1\s+15\s+0\.870\s+0\.930\s+0\.870\s+0\.930/);
    expect(text).toMatch(/Pooled\s+30\s+0\.900\s+0\.950\s+0\.900\s+0\.950/);
    expect(text).toContain('training loss 0.6600 → 0.2600 over 3 rounds');
  });
});
