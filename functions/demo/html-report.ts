import type { CohortTable, CurveReport, PerformanceReport, StudyReport } from './study-report.js';
import { escapeXml, forestPlot, roundsChart, survivalChart, type Bilingual, type SurvivalSeries } from './svg-charts.js';
import { COVARIATE_LABELS } from './terminal-report.js';
import { fixed, formatCount, formatP, interval, pEquals } from './text-table.js';

/** French labels of the Cox covariates, for the research physicians' reading. */
const COVARIATE_LABELS_FR: Record<string, string> = {
  horTh_yes: 'Hormonothérapie (oui vs non)',
  age: 'Âge (par année)',
  menostat_Post: 'Ménopausée (vs non ménopausée)',
  tsize: 'Taille tumorale (par mm)',
  tgrade_II: 'Grade II (vs I)',
  tgrade_III: 'Grade III (vs I)',
  pnodes: 'Ganglions envahis (par ganglion)',
  progrec: 'Récepteurs à la progestérone (par fmol)',
  estrec: 'Récepteurs aux œstrogènes (par fmol)',
};

/** Colours of the Kaplan–Meier curves: all patients, then each group. */
const CURVE_COLOURS = ['#333333', '#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

const DAYS: Bilingual = { en: 'Follow-up, days', fr: 'Suivi, jours' };
const ROUND: Bilingual = { en: 'Federated round', fr: 'Tour fédéré' };
const POOLED: Bilingual = { en: 'Pooled', fr: 'Ensemble' };

/** Both languages as HTML spans; the page's style shows the one matching its `lang`. */
function text(label: Bilingual): string {
  return `<span data-lang="en">${escapeXml(label.en)}</span><span data-lang="fr">${escapeXml(label.fr)}</span>`;
}

function same(label: string): Bilingual {
  return { en: label, fr: label };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = header.map((cell) => `<th>${cell}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell, index) => (index === 0 ? `<th scope="row">${cell}</th>` : `<td>${cell}</td>`)).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/**
 * Renders the report as one self-contained HTML page: inline CSS, inline SVG charts and a small
 * inline script for the FR/EN toggle, so it opens offline and can be sent as a single file.
 */
export function renderHtmlReport(report: StudyReport): string {
  const sections = [cohortSection(report), survivalSection(report), coxSection(report), diagnosisSection(report)];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Onsite — ${escapeXml(report.project)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<button type="button" id="language" aria-label="Switch language / Changer de langue">FR</button>
<h1>${text({ en: report.project, fr: 'Risque de rechute après un cancer du sein localisé' })}</h1>
<p>${text({
    en: `Federated analysis over ${report.sites.length} hospitals: every figure below was computed from sums returned by the hospitals' gateways; no patient row left a hospital.`,
    fr: `Analyse fédérée sur ${report.sites.length} hôpitaux : chaque résultat ci-dessous est calculé à partir de sommes renvoyées par les passerelles des hôpitaux ; aucune donnée individuelle n'a quitté un hôpital.`,
  })}</p>
</header>
<main>
${sections.join('\n')}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function cohortSection(report: StudyReport): string {
  const columns: [Bilingual, CohortTable][] = [...report.cohort.perSite.map((site): [Bilingual, CohortTable] => [same(site.site), site]), [POOLED, report.cohort.pooled]];
  const minimum = report.cohort.minimumCellSize;
  const rows: string[][] = [[text({ en: 'Patients', fr: 'Patientes' }), ...columns.map(([, entry]) => escapeXml(formatCount(entry.rows, minimum)))]];
  for (const [index, numeric] of report.cohort.pooled.numeric.entries()) {
    rows.push([
      text({ en: `${numeric.column}, mean (SD)`, fr: `${numeric.column}, moyenne (ET)` }),
      ...columns.map(([, entry]) => {
        const value = entry.numeric[index];
        return value?.mean === null || value === undefined ? '–' : `${fixed(value.mean, 1)} (${fixed(value.sd, 1)})`;
      }),
    ]);
  }
  for (const [index, factor] of report.cohort.pooled.categorical.entries()) {
    for (const [levelIndex, level] of factor.levels.entries()) {
      rows.push([escapeXml(`${factor.column} = ${level.level}`), ...columns.map(([, entry]) => escapeXml(formatCount(entry.categorical[index]?.levels[levelIndex]?.count ?? null, minimum)))]);
    }
  }
  rows.push([
    text({ en: 'Cells withheld at the site', fr: 'Cases masquées par le site' }),
    ...report.cohort.perSite.map((site) => String(site.withheldCells)),
    String(report.cohort.withheldCellsAtSites),
  ]);

  return `<section>
<h2>${text({ en: 'Cohort (GBSG2)', fr: 'Caractéristiques de la cohorte (GBSG2)' })}</h2>
${table(['', ...columns.map(([label]) => text(label))], rows)}
<p class="note">${text({
    en: `A hospital sends a count below its minimum cell size (${minimum}) as 0, and the last row counts those cells; pooled counts add only released counts. Counts below ${minimum} in the results are shown as <${minimum}.`,
    fr: `Un hôpital transmet 0 pour un effectif inférieur à sa taille minimale de case (${minimum}), et la dernière ligne compte ces cases ; les totaux n'additionnent que les effectifs transmis. Les effectifs inférieurs à ${minimum} sont affichés <${minimum}.`,
  })}</p>
</section>`;
}

function curveSeries(label: Bilingual, curve: CurveReport, color: string): SurvivalSeries {
  return { label, color, time: curve.time, surv: curve.surv, lower: curve.lower, upper: curve.upper, lastTime: curve.lastTime };
}

function survivalSection(report: StudyReport): string {
  const groups = Object.entries(report.km.byGroup);
  const groupLabel = (level: string): Bilingual => ({
    en: `Hormone therapy: ${level}`,
    fr: `Hormonothérapie : ${level === 'yes' ? 'oui' : level === 'no' ? 'non' : level}`,
  });
  const all: Bilingual = { en: 'All patients', fr: 'Toutes les patientes' };
  const overallChart = survivalChart([curveSeries(all, report.km.overall, CURVE_COLOURS[0] as string)], {
    title: { en: 'Relapse-free survival, all patients (95% CI)', fr: 'Survie sans rechute, toutes les patientes (IC 95 %)' },
    xLabel: DAYS,
    yLabel: { en: 'Relapse-free survival', fr: 'Survie sans rechute' },
  });
  const groupChart = survivalChart(
    groups.map(([level, curve], index) => curveSeries(groupLabel(level), curve, CURVE_COLOURS[(index % (CURVE_COLOURS.length - 1)) + 1] as string)),
    {
      title: { en: 'Relapse-free survival by hormone therapy (95% CI)', fr: 'Survie sans rechute selon l’hormonothérapie (IC 95 %)' },
      xLabel: DAYS,
      yLabel: { en: 'Relapse-free survival', fr: 'Survie sans rechute' },
    },
  );

  const curves: [Bilingual, CurveReport][] = [[all, report.km.overall], ...groups.map(([level, curve]): [Bilingual, CurveReport] => [groupLabel(level), curve])];
  const years = report.km.overall.survivalAt.map((entry) => Math.round(entry.days / 365));
  const rows = curves.map(([label, curve]) => [
    text(label),
    String(curve.n),
    String(curve.events),
    `${fixed(curve.median, 0)} (${interval(curve.medianLower, curve.medianUpper, 0)})`,
    ...curve.survivalAt.map((entry) => `${fixed(entry.surv, 3)} (${interval(entry.lower, entry.upper, 3)})`),
  ]);
  const logrank = report.logrank;
  return `<section>
<h2>${text({ en: 'Relapse-free survival (Kaplan–Meier)', fr: 'Survie sans rechute (Kaplan–Meier)' })}</h2>
<div class="charts">${overallChart}${groupChart}</div>
${table(
  [
    '',
    'n',
    text({ en: 'Events', fr: 'Événements' }),
    text({ en: 'Median, days (95% CI)', fr: 'Médiane, jours (IC 95 %)' }),
    ...years.map((year) => text({ en: `${year} y (95% CI)`, fr: `${year} an${year > 1 ? 's' : ''} (IC 95 %)` })),
  ],
  rows,
)}
<p>${text({
    en: `Log-rank test (hormone therapy): χ² = ${fixed(logrank.chisq, 2)} on ${logrank.df} df, ${pEquals(logrank.p)}; stratified by site: χ² = ${fixed(logrank.stratifiedBySite.chisq, 2)}, ${pEquals(logrank.stratifiedBySite.p)}.`,
    fr: `Test du log-rank (hormonothérapie) : χ² = ${fixed(logrank.chisq, 2)} à ${logrank.df} ddl, ${pEquals(logrank.p)} ; stratifié sur le site : χ² = ${fixed(logrank.stratifiedBySite.chisq, 2)}, ${pEquals(logrank.stratifiedBySite.p)}.`,
  })}</p>
</section>`;
}

function covariateLabel(name: string): Bilingual {
  return { en: COVARIATE_LABELS[name] ?? name, fr: COVARIATE_LABELS_FR[name] ?? name };
}

function coxSection(report: StudyReport): string {
  const cox = report.cox;
  const estimable = cox.covariates.filter((name) => cox.hazardRatio[name] !== null && cox.lower95[name] !== null && cox.upper95[name] !== null);
  const forest = forestPlot(
    estimable.map((name) => ({ label: covariateLabel(name), estimate: cox.hazardRatio[name] as number, lower: cox.lower95[name] as number, upper: cox.upper95[name] as number })),
    { title: { en: 'Hazard ratios of relapse (95% CI)', fr: 'Rapports de risque de rechute (IC 95 %)' }, xLabel: { en: 'Hazard ratio (log scale)', fr: 'Rapport de risque (échelle log)' } },
  );
  const rows = cox.covariates.map((name) => [
    text(covariateLabel(name)),
    `<code>${escapeXml(name)}</code>`,
    fixed(cox.hazardRatio[name], 3),
    interval(cox.lower95[name], cox.upper95[name], 3),
    escapeXml(formatP(cox.p[name])),
  ]);
  const curve = roundsChart(cox.loglikByRound, {
    title: { en: 'Cox partial log-likelihood per round', fr: 'Log-vraisemblance partielle de Cox par tour' },
    yLabel: { en: 'Log-likelihood', fr: 'Log-vraisemblance' },
    xLabel: ROUND,
  });
  return `<section>
<h2>${text({ en: 'Stratified Cox model', fr: 'Modèle de Cox stratifié sur le site' })}</h2>
${table(['', text({ en: 'Design name', fr: 'Variable' }), 'HR', text({ en: '95% CI', fr: 'IC 95 %' }), 'p'], rows)}
<p>${text({
    en: `n = ${cox.n}, ${cox.events} events, Breslow ties, strata: site. Concordance ${fixed(cox.concordance, 3)} (SE ${fixed(cox.concordanceSe, 3)}). Likelihood ratio χ² = ${fixed(cox.likelihoodRatio.chisq, 2)} on ${cox.likelihoodRatio.df} df. ${cox.iterations} Newton iterations in ${cox.rounds} federated rounds.`,
    fr: `n = ${cox.n}, ${cox.events} événements, ex æquo selon Breslow, strates : site. Concordance ${fixed(cox.concordance, 3)} (ET ${fixed(cox.concordanceSe, 3)}). Rapport de vraisemblance χ² = ${fixed(cox.likelihoodRatio.chisq, 2)} à ${cox.likelihoodRatio.df} ddl. ${cox.iterations} itérations de Newton en ${cox.rounds} tours fédérés.`,
  })}</p>
<div class="charts">${forest}${curve}</div>
</section>`;
}

function performanceRows(models: [Bilingual, PerformanceReport][]): string[][] {
  const [first] = models;
  if (first === undefined) return [];
  const [, reference] = first;
  const cells = (metrics: { accuracy: number | null; auc: number | null } | undefined) => [fixed(metrics?.accuracy, 3), fixed(metrics?.auc, 3)];
  return [
    ...reference.perSite.map((site, index) => [escapeXml(site.site), String(site.n), ...models.flatMap(([, model]) => cells(model.perSite[index]))]),
    [text(POOLED), String(reference.pooled.n), ...models.flatMap(([, model]) => cells(model.pooled))],
  ];
}

function diagnosisSection(report: StudyReport): string {
  const logistic = report.logistic;
  const coefficientRows = Object.keys(logistic.coefficients).map((name) => [
    `<code>${escapeXml(name)}</code>`,
    fixed(logistic.coefficients[name], 4),
    fixed(logistic.se[name], 4),
    escapeXml(formatP(logistic.p[name])),
  ]);
  const models: [Bilingual, PerformanceReport][] = [[{ en: 'Logistic', fr: 'Logistique' }, logistic.evaluation]];
  if (report.mlp.evaluation !== null) models.push([same('MLP'), report.mlp.evaluation]);
  const performanceHeader = [
    'Site',
    'n',
    ...models.flatMap(([name]) => [`${text(name)} — ${text({ en: 'accuracy', fr: 'exactitude' })}`, `${text(name)} — AUC`]),
  ];

  const deviance = roundsChart(logistic.devianceByRound, {
    title: { en: 'Logistic regression deviance per round', fr: 'Déviance de la régression logistique par tour' },
    yLabel: { en: 'Deviance', fr: 'Déviance' },
    xLabel: ROUND,
  });
  const loss = report.mlp.lossByRound.length > 0
    ? roundsChart(report.mlp.lossByRound, {
        title: { en: 'MLP training loss per round (FedAvg)', fr: 'Perte d’entraînement du MLP par tour (FedAvg)' },
        yLabel: { en: 'Log-loss', fr: 'Log-loss' },
        xLabel: ROUND,
      })
    : '';
  const mlpNote =
    report.mlp.evaluation === null
      ? `<p class="note">${text({
          en: `The MLP job ended after ${report.mlp.rounds} rounds, before its evaluation round, so it has no accuracy or AUC.`,
          fr: `Le job MLP s'est terminé après ${report.mlp.rounds} tours, avant son tour d'évaluation : pas d'exactitude ni d'AUC.`,
        })}</p>`
      : '';

  return `<section>
<h2>${text({ en: 'Malignancy from fine-needle aspirates (WDBC)', fr: 'Malignité sur cytoponction (WDBC)' })}</h2>
<p>${text({
    en: `Logistic regression by federated Newton on the five mean5 features, standardised with the pooled mean and SD: ${logistic.iterations} iterations, deviance ${fixed(logistic.deviance, 3)} (null ${fixed(logistic.nullDeviance, 3)}).`,
    fr: `Régression logistique par Newton fédéré sur les cinq variables mean5, centrées-réduites avec la moyenne et l'écart-type de l'ensemble : ${logistic.iterations} itérations, déviance ${fixed(logistic.deviance, 3)} (nulle ${fixed(logistic.nullDeviance, 3)}).`,
  })}</p>
${table([text({ en: 'Term', fr: 'Terme' }), text({ en: 'Coefficient', fr: 'Coefficient' }), text({ en: 'SE', fr: 'ET' }), 'p'], coefficientRows)}
<h3>${text({ en: 'Performance per site', fr: 'Performances par site' })}</h3>
${table(performanceHeader, performanceRows(models))}
${mlpNote}
<h3>${text({ en: 'Training curves', fr: 'Courbes d’apprentissage' })}</h3>
<div class="charts">${deviance}${loss}</div>
</section>`;
}

const STYLE = `
html[lang="en"] [data-lang="fr"], html[lang="fr"] [data-lang="en"] { display: none; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1360px; padding: 1rem 2rem; color: #222; }
header { position: relative; }
#language { position: absolute; right: 0; top: 0.5rem; font-size: 1rem; padding: 0.3rem 0.8rem; cursor: pointer; }
h1 { font-size: 1.6rem; margin-right: 5rem; }
section { margin: 2rem 0; }
table { border-collapse: collapse; margin: 0.8rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25rem 0.7rem; border-bottom: 1px solid #ddd; text-align: right; }
th[scope="row"], thead th:first-child { text-align: left; font-weight: normal; }
thead th { border-bottom: 2px solid #888; }
.note { color: #555; font-size: 0.9rem; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
.chart { width: 640px; max-width: 100%; height: auto; font-size: 12px; }
.chart-title { font-weight: 600; font-size: 13px; }
.axis, .tick { stroke: #444; }
.grid { stroke: #e5e5e5; }
.reference { stroke: #888; stroke-dasharray: 4 3; }
.band { opacity: 0.15; stroke: none; }
.curve { fill: none; stroke-width: 2; }
.line { fill: none; stroke: #1f77b4; stroke-width: 2; }
.point { fill: #1f77b4; }
.interval { stroke: #222; stroke-width: 1.5; }
.estimate { fill: #1f77b4; }
`;

/** Toggles the page between English (the default) and French; the button names the other language. */
const SCRIPT = `
const button = document.getElementById('language');
button.addEventListener('click', () => {
  const next = document.documentElement.lang === 'fr' ? 'en' : 'fr';
  document.documentElement.lang = next;
  button.textContent = next === 'fr' ? 'EN' : 'FR';
});
`;
