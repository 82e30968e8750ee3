import type { CohortTable, CurveReport, PerformanceReport, StudyReport } from './study-report.js';
import { fixed, formatCount, formatP, formatTable, interval, pEquals } from './text-table.js';

/** Readable names of the Cox design's covariates, with the reference level of each factor. */
export const COVARIATE_LABELS: Record<string, string> = {
  horTh_yes: 'Hormone therapy (yes vs no)',
  age: 'Age (per year)',
  menostat_Post: 'Postmenopausal (vs pre)',
  tsize: 'Tumour size (per mm)',
  tgrade_II: 'Grade II (vs I)',
  tgrade_III: 'Grade III (vs I)',
  pnodes: 'Positive nodes (per node)',
  progrec: 'Progesterone receptor (per fmol)',
  estrec: 'Oestrogen receptor (per fmol)',
};

/** Formats the whole report for the terminal, section by section. */
export function formatTerminalReport(report: StudyReport): string {
  return [
    heading(`${report.project}: federated results from ${report.sites.length} hospitals`),
    cohortSection(report),
    survivalSection(report),
    coxSection(report),
    diagnosisSection(report),
  ].join('\n\n');
}

function heading(title: string): string {
  return `${title}\n${'═'.repeat(title.length)}`;
}

function subheading(title: string): string {
  return `${title}\n${'─'.repeat(title.length)}`;
}

/** Cohort table: one column per site and one pooled, numeric rows as mean (SD), factors as counts. */
function cohortSection(report: StudyReport): string {
  const tables: [string, CohortTable][] = [...report.cohort.perSite.map((site): [string, CohortTable] => [site.site, site]), ['Pooled', report.cohort.pooled]];
  const minimum = report.cohort.minimumCellSize;
  const header = ['GBSG2 cohort', ...tables.map(([name]) => name)];
  const rows: string[][] = [['Patients', ...tables.map(([, table]) => formatCount(table.rows, minimum))]];

  for (const [index, numeric] of report.cohort.pooled.numeric.entries()) {
    rows.push([`${numeric.column}, mean (SD)`, ...tables.map(([, table]) => meanSd(table.numeric[index]))]);
  }
  for (const [index, factor] of report.cohort.pooled.categorical.entries()) {
    for (const [levelIndex, level] of factor.levels.entries()) {
      rows.push([`${factor.column} = ${level.level}, n`, ...tables.map(([, table]) => formatCount(table.categorical[index]?.levels[levelIndex]?.count ?? null, minimum))]);
    }
  }

  rows.push(['Cells withheld at the site', ...report.cohort.perSite.map((site) => String(site.withheldCells)), String(report.cohort.withheldCellsAtSites)]);

  return [
    subheading('Cohort statistics (descriptive job)'),
    formatTable(header, rows, ['left', ...tables.map(() => 'right' as const)]),
    `A site sends a count below its minimum cell size (${minimum}) as 0, and the last row counts those cells; pooled counts add only released counts.`,
    `The cloud withholds pooled and per-site counts below ${minimum} again, shown as <${minimum}.`,
  ].join('\n');
}

function meanSd(entry: CohortTable['numeric'][number] | undefined): string {
  if (entry === undefined || entry.mean === null) return '–';
  return `${fixed(entry.mean, 1)} (${fixed(entry.sd, 1)})`;
}

/** Kaplan–Meier medians and survival at 1, 2, 3 and 5 years per group, then the log-rank test. */
function survivalSection(report: StudyReport): string {
  const curves: [string, CurveReport][] = [['All patients', report.km.overall], ...Object.entries(report.km.byGroup).map(([level, curve]): [string, CurveReport] => [`${report.km.groupColumn} = ${level}`, curve])];
  const years = report.km.overall.survivalAt.map((entry) => `${Math.round(entry.days / 365)} y`);

  const medians = formatTable(
    ['Group', 'n', 'Events', 'Median RFS, days (95% CI)'],
    curves.map(([name, curve]) => [name, String(curve.n), String(curve.events), `${fixed(curve.median, 0)} (${interval(curve.medianLower, curve.medianUpper, 0)})`]),
    ['left', 'right', 'right', 'right'],
  );
  const survival = formatTable(
    ['Survival (95% CI)', ...years],
    curves.map(([name, curve]) => [name, ...curve.survivalAt.map((entry) => `${fixed(entry.surv, 3)} (${interval(entry.lower, entry.upper, 3)})`)]),
    ['left', ...years.map(() => 'right' as const)],
  );
  const logrank = report.logrank;
  return [
    subheading('Relapse-free survival (Kaplan–Meier job)'),
    medians,
    '',
    survival,
    '',
    `Log-rank test, ${report.km.groupColumn}: χ² = ${fixed(logrank.chisq, 2)} on ${logrank.df} df, ${pEquals(logrank.p)}` +
      ` (observed/expected events: ${logrank.groups.map((group, index) => `${group} ${logrank.observed[index]}/${fixed(logrank.expected[index], 1)}`).join(', ')})`,
    `Stratified by site: χ² = ${fixed(logrank.stratifiedBySite.chisq, 2)} on ${logrank.stratifiedBySite.df} df, ${pEquals(logrank.stratifiedBySite.p)}`,
  ].join('\n');
}

/** Formats the Cox table as a clinical paper prints it: hazard ratio, 95% CI and p per covariate. */
function coxSection(report: StudyReport): string {
  const cox = report.cox;
  const rows = cox.covariates.map((name) => [
    COVARIATE_LABELS[name] ?? name,
    name,
    fixed(cox.hazardRatio[name], 3),
    interval(cox.lower95[name], cox.upper95[name], 3),
    formatP(cox.p[name]),
  ]);
  return [
    subheading(`Stratified Cox model of relapse-free survival (strata: site, ${cox.ties} ties)`),
    formatTable(['Covariate', 'Design name', 'HR', '95% CI', 'p'], rows, ['left', 'left', 'right', 'right', 'right']),
    `n = ${cox.n}, events = ${cox.events}; log-likelihood ${fixed(cox.loglik, 5)} (null ${fixed(cox.loglikNull, 5)}); ` +
      `likelihood ratio χ² = ${fixed(cox.likelihoodRatio.chisq, 2)} on ${cox.likelihoodRatio.df} df, ${pEquals(cox.likelihoodRatio.p)}`,
    `Concordance ${fixed(cox.concordance, 3)} (SE ${fixed(cox.concordanceSe, 3)}); ${cox.converged ? 'converged' : 'NOT converged'} after ${cox.iterations} Newton iterations in ${cox.rounds} federated rounds`,
  ].join('\n');
}

/** WDBC: the logistic coefficients, then accuracy and AUC per site for both models, and the MLP curve. */
function diagnosisSection(report: StudyReport): string {
  const logistic = report.logistic;
  const coefficients = formatTable(
    ['Term (standardised)', 'Coefficient', 'SE', 'p'],
    Object.keys(logistic.coefficients).map((name) => [name, fixed(logistic.coefficients[name], 4), fixed(logistic.se[name], 4), formatP(logistic.p[name])]),
    ['left', 'right', 'right', 'right'],
  );
  const mlp = report.mlp;
  const losses = mlp.lossByRound;
  const lossLine =
    losses.length === 0
      ? 'no training round completed'
      : `training loss ${fixed(losses[0], 4)} → ${fixed(losses[losses.length - 1], 4)} over ${losses.length} rounds (min ${fixed(Math.min(...losses), 4)})`;

  return [
    subheading(`Malignancy from fine-needle aspirates (WDBC, n = ${report.wdbc.n ?? '–'})`),
    `Features standardised with the pooled mean and SD of the statistics job: ${Object.entries(report.wdbc.standardisation).map(([name, entry]) => `${name} ${fixed(entry.mean, 4)} (${fixed(entry.sd, 4)})`).join(', ')}`,
    '',
    `Logistic regression by federated Newton: ${logistic.iterations} iterations, ${logistic.rounds} rounds (the last evaluates); deviance ${fixed(logistic.deviance, 4)} (null ${fixed(logistic.nullDeviance, 4)}), AIC ${fixed(logistic.aic, 2)}`,
    coefficients,
    '',
    performanceTable('Logistic regression', logistic.evaluation, mlp.evaluation === null ? undefined : ['MLP (FedAvg)', mlp.evaluation]),
    '',
    `MLP ${mlp.hiddenLayers.join('-')} hidden units, Adam locally, FedAvg: ${lossLine}` +
      (mlp.evaluation === null ? `; not evaluated, because the job ended after ${mlp.rounds} rounds, before its evaluation round` : ''),
  ].join('\n');
}

function performanceTable(title: string, first: PerformanceReport, second?: [string, PerformanceReport]): string {
  const models: [string, PerformanceReport][] = [[title, first], ...(second ? [second] : [])];
  const header = ['Site', 'n', ...models.flatMap(([name]) => [`${name} accuracy`, 'AUC'])];
  const rows = [
    ...first.perSite.map((site, index) => [site.site, String(site.n), ...models.flatMap(([, model]) => metricCells(model.perSite[index]))]),
    ['Pooled', String(first.pooled.n), ...models.flatMap(([, model]) => metricCells(model.pooled))],
  ];
  return formatTable(header, rows, ['left', ...header.slice(1).map(() => 'right' as const)]);
}

function metricCells(metrics: { accuracy: number | null; auc: number | null } | undefined): string[] {
  return [fixed(metrics?.accuracy, 3), fixed(metrics?.auc, 3)];
}
