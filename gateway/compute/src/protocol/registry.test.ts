import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ColumnarTable, TableColumn } from '../spec/design-matrix.js';
import { normaliseModelSpec, type ModelSpecInput } from '../spec/index.js';
import { decodeTensors, encodeTensors } from '../weights/safetensors.js';
import type { ContributionFromSite, SitePrivacy } from './computation.js';
import { getComputation } from './registry.js';
import { initializeNetworkWeights } from '../mlp/local-training.js';
import { federatedTrainingPlanFromSpec } from '../mlp/spec-config.js';
import { featureLayout } from './feature-layout.js';
import { tensorMapToJson } from './tensor-json.js';

const DATA = new URL('../../../../../shared/data/', import.meta.url);

/** Reads a comma-separated file without quoting: numeric columns as numbers, others as categories. */
function readTable(path: URL, rows?: (index: number) => boolean): ColumnarTable {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const names = (header as string).split(',');
  const kept = lines.filter((_, index) => rows?.(index) ?? true).map((line) => line.split(','));
  const columns = new Map<string, TableColumn>();
  names.forEach((name, column) => {
    const raw = kept.map((cells) => cells[column] as string);
    if (raw.every((value) => value !== '' && Number.isFinite(Number(value)))) {
      columns.set(name, { type: 'number', values: raw.map(Number) });
    } else {
      columns.set(name, { type: 'categorical', levels: [...new Set(raw)].sort(), values: raw });
    }
  });
  return { rowCount: kept.length, columns };
}

const EXACT: SitePrivacy = { minCellSize: 10, smallCellAction: 'refuse', exactEventTimes: true, timeGridDays: 30 };

/** Runs a job's rounds in-process, passing every contribution through the weights format as the wire does. */
async function runJob(name: Parameters<typeof getComputation>[0], specInput: ModelSpecInput, sites: ColumnarTable[], options: Record<string, unknown> = {}, maxRounds = 30, privacy = EXACT) {
  const computation = getComputation(name);
  const { spec } = normaliseModelSpec(specInput);
  let state = computation.initialState(spec, { maxRounds, options });
  const rounds: Array<Record<string, number>> = [];

  for (let round = 1; round <= 100; round += 1) {
    state = JSON.parse(JSON.stringify(state)) as typeof state;
    const plan = computation.planRound(state, round);
    const globalTensors = plan.globalTensors ? decodeTensors(encodeTensors(plan.globalTensors)).tensors : undefined;
    const contributions: ContributionFromSite[] = [];
    for (const [index, table] of sites.entries()) {
      const contribution = await computation.runSite({ spec, table, round, parameters: plan.parameters, ...(globalTensors ? { globalTensors } : {}), privacy });
      contributions.push({ siteId: `site${index + 1}`, contribution: { ...contribution, tensors: decodeTensors(encodeTensors(contribution.tensors)).tensors } });
    }
    const step = computation.serverStep(state, contributions, round);
    rounds.push(step.roundMetrics);
    state = step.state;
    if (step.done) return { results: step.results, rounds };
  }
  throw new Error(`${name} did not finish in 100 rounds`);
}

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
const siteTables = [1, 2, 3].map((site) => readTable(new URL(`gbsg2_sites/site${site}.csv`, DATA)));
const DESIGN_COVARIATES = ['horTh_yes', 'age', 'menostat_Post', 'tsize', 'tgrade_II', 'tgrade_III', 'pnodes', 'progrec', 'estrec'];

describe('computation registry', () => {
  it('fits the site-stratified Cox model of R within 1e-6', async () => {
    const reference = JSON.parse(readFileSync(new URL('reference/gbsg2_cox_stratified.json', DATA), 'utf8')).breslow.tight_control;
    const { results, rounds } = await runJob(
      'cox_newton',
      {
        family: 'cox_ph',
        outcome: { kind: 'survival', time: 'time', event: 'event' },
        features: DESIGN_COVARIATES.map((column) => ({ column, encoding: 'numeric' })),
        hyperparameters: { ties: 'breslow' },
      },
      siteTables,
    );
    const cox = (results as { cox: { coefficients: Array<{ name: string; coefficient: number; standardError: number }>; loglik: number; iterations: number } }).cox;

    for (const entry of cox.coefficients) {
      expect(relative(entry.coefficient, reference.coefficients[entry.name]), entry.name).toBeLessThan(1e-6);
      expect(relative(entry.standardError, reference.se[entry.name]), entry.name).toBeLessThan(1e-6);
    }
    expect(relative(cox.loglik, reference.loglik)).toBeLessThan(1e-6);
    expect(cox.iterations).toBeLessThanOrEqual(reference.iterations + 1);
    // One more round than Newton iterations: the first evaluates the null model at β = 0.
    expect(rounds.length).toBe(cox.iterations + 1);
  });

  it('reproduces the pooled Kaplan–Meier curve of R from three sites', async () => {
    const reference = JSON.parse(readFileSync(new URL('reference/gbsg2_km.json', DATA), 'utf8')).overall;
    const { results } = await runJob(
      'kaplan_meier',
      { family: 'kaplan_meier', outcome: { kind: 'survival', time: 'time', event: 'event' } },
      siteTables,
      { times: [365, 730, 1095, 1825] },
    );
    const overall = (results as { overall: { time: number[]; nEvent: number[]; surv: number[]; lower: number[]; median: number; medianLower: number; medianUpper: number } }).overall;
    const eventIndices = overall.time.flatMap((_, index) => ((overall.nEvent[index] as number) > 0 ? [index] : []));

    expect(eventIndices.map((index) => overall.time[index])).toEqual(reference.time);
    eventIndices.forEach((index, k) => {
      expect(Math.abs((overall.surv[index] as number) - reference.surv[k])).toBeLessThan(1e-9);
      expect(Math.abs((overall.lower[index] as number) - reference.lower_95[k])).toBeLessThan(1e-9);
    });
    expect([overall.median, overall.medianLower, overall.medianUpper]).toEqual([1807, 1587, 2030]);
  });

  it('bins Kaplan–Meier times and merges small bins', async () => {
    const binned: SitePrivacy = { minCellSize: 10, smallCellAction: 'suppress', exactEventTimes: false, timeGridDays: 90 };
    const { results } = await runJob(
      'kaplan_meier',
      { family: 'kaplan_meier', outcome: { kind: 'survival', time: 'time', event: 'event' } },
      siteTables,
      { times: [365, 730] },
      30,
      binned,
    );
    const overall = (results as { overall: { n: number; time: number[]; nEvent: number[]; nCensor: number[] } }).overall;

    expect(overall.n).toBe(686);
    expect(overall.nEvent.reduce((a, b) => a + b, 0)).toBe(299);
    expect(overall.time.every((time) => Number.isFinite(time) && time % 90 === 0)).toBe(true);
  });

  it('refuses a Kaplan–Meier group smaller than the minimum cell size', async () => {
    const tiny = readTable(new URL('gbsg2_sites/site1.csv', DATA), (index) => index < 30);
    const run = runJob(
      'kaplan_meier',
      { family: 'kaplan_meier', outcome: { kind: 'survival', time: 'time', event: 'event' }, groupBy: 'tgrade_III' },
      [tiny],
      { groupLevels: ['0', '1'] },
    );
    await expect(run).rejects.toThrow(/fewer than 10 patients/);
  });

  it('fits the WDBC logistic model of R and evaluates it per site', async () => {
    const reference = JSON.parse(readFileSync(new URL('reference/wdbc_logistic.json', DATA), 'utf8'));
    const model = reference.models.mean5;
    const table = readTable(new URL('wdbc.csv', DATA));
    const sites = [0, 1, 2].map((site) => readTable(new URL('wdbc.csv', DATA), (index) => index % 3 === site));
    expect(sites.reduce((sum, site) => sum + site.rowCount, 0)).toBe(table.rowCount);

    const { results } = await runJob('logistic_newton', {
      family: 'logistic_regression',
      outcome: { kind: 'binary', column: 'diagnosis', positive: 'M' },
      features: (model.features as string[]).map((column) => ({
        column,
        encoding: 'numeric',
        center: reference.feature_mean[column],
        scale: reference.feature_sd[column],
      })),
    }, sites);
    const report = results as { logistic: { coefficients: Array<{ name: string; coefficient: number }>; deviance: number }; evaluation: { pooled: { accuracy: number; auc: number }; perSite: unknown[] } };

    for (const entry of report.logistic.coefficients) {
      expect(relative(entry.coefficient, model.tight_control.coefficients[entry.name]), entry.name).toBeLessThan(1e-6);
    }
    expect(relative(report.logistic.deviance, model.tight_control.deviance)).toBeLessThan(1e-6);
    expect(report.evaluation.perSite).toHaveLength(3);
    // Without the site policy's consent, only histograms leave the sites.
    expect((report.evaluation.pooled as { exactAuc?: number | null }).exactAuc).toBeNull();
    expect(report.evaluation.pooled.accuracy).toBeGreaterThan(0.85);
    expect(report.evaluation.pooled.auc).toBeGreaterThan(0.9);
  });

  it('gives the exact AUC when every site releases scores', async () => {
    const reference = JSON.parse(readFileSync(new URL('reference/wdbc_logistic.json', DATA), 'utf8'));
    const features = reference.models.mean5.features as string[];
    const table = readTable(new URL('wdbc.csv', DATA));
    const sites = [0, 1, 2].map((site) => readTable(new URL('wdbc.csv', DATA), (index) => index % 3 === site));
    const spec: ModelSpecInput = {
      family: 'logistic_regression',
      outcome: { kind: 'binary', column: 'diagnosis', positive: 'M' },
      features: features.map((column) => ({ column, encoding: 'numeric', center: reference.feature_mean[column], scale: reference.feature_sd[column] })),
    };

    const { results } = await runJob('logistic_newton', spec, sites, {}, 30, { ...EXACT, exactScores: true });
    const report = results as { logistic: { coefficients: Array<{ name: string; coefficient: number }> }; evaluation: { pooled: { auc: number; exactAuc: number | null }; perSite: Array<{ exactAuc: number | null }> } };

    // Independent pooled AUC: every (malignant, benign) pair of rows, ties counted one half.
    const beta = Object.fromEntries(report.logistic.coefficients.map((entry) => [entry.name, entry.coefficient]));
    const values = (name: string) => (table.columns.get(name) as unknown as { values: number[] }).values;
    const labels = (table.columns.get('diagnosis') as unknown as { values: string[] }).values;
    const probability = labels.map((_, row) => {
      const eta = features.reduce((sum, name) => sum + (beta[name] as number) * (((values(name)[row] as number) - reference.feature_mean[name]) / reference.feature_sd[name]), beta['(Intercept)'] as number);
      return 1 / (1 + Math.exp(-eta));
    });
    const positives = probability.filter((_, row) => labels[row] === 'M');
    const negatives = probability.filter((_, row) => labels[row] !== 'M');
    let wins = 0;
    for (const positive of positives) {
      for (const negative of negatives) {
        if (positive > negative) wins += 1;
        else if (positive === negative) wins += 0.5;
      }
    }

    expect(report.evaluation.pooled.exactAuc).toBeCloseTo(wins / (positives.length * negatives.length), 12);
    expect(report.evaluation.perSite.every((site) => site.exactAuc !== null)).toBe(true);
    expect(Math.abs(report.evaluation.pooled.auc - (report.evaluation.pooled.exactAuc as number))).toBeLessThan(0.01);
  });

  it('summarises cohort columns pooled and per site', async () => {
    const { results } = await runJob(
      'descriptive',
      { family: 'kaplan_meier', outcome: { kind: 'survival', time: 'time', event: 'event' }, groupBy: 'horTh_yes' },
      siteTables,
      { numeric: [{ column: 'time' }], categorical: [] },
    );
    const pooled = (results as { pooled: { numeric: Array<{ column: string; n: { count: number }; mean: number }> } }).pooled;
    expect(pooled.numeric[0]?.n.count).toBe(686);
  });

  it('marks cells the sites withheld instead of publishing zeros', async () => {
    const suppress: SitePrivacy = { ...EXACT, smallCellAction: 'suppress' };
    // Bins of positive nodes: the last, 20 or more, contains fewer than 10 patients at each site.
    const { results } = await runJob(
      'descriptive',
      { family: 'cox_ph', outcome: { kind: 'survival', time: 'time', event: 'event' }, features: [{ column: 'pnodes', encoding: 'numeric' }] },
      siteTables,
      { numeric: [{ column: 'pnodes', binEdges: [0, 1, 5, 10, 20, 60] }], minimumCellSize: 1 },
      30,
      suppress,
    );
    type Cell = { suppressed: boolean; count?: number };
    type Summary = { numeric: Array<{ histogram: { bins: Cell[]; aboveLastEdge: Cell; belowFirstEdge: Cell } }> };
    const report = results as { pooled: Summary; perSite: Array<{ withheldCells: number; summary: Summary }> };

    for (const site of report.perSite) {
      const bins = site.summary.numeric[0]!.histogram.bins;
      expect(site.withheldCells).toBeGreaterThanOrEqual(2);
      expect(bins.filter((cell) => cell.suppressed)).toHaveLength(site.withheldCells);
      expect(bins.every((cell) => cell.suppressed || (cell.count ?? 0) >= 10 || cell.count === 0)).toBe(true);
    }
    // The 20-to-60 bin is small at every site, so it is withheld pooled too, not published as 0.
    expect(report.pooled.numeric[0]!.histogram.bins[4]).toEqual({ suppressed: true });
  });

  it('rejects a descriptive column the spec does not use', () => {
    const { spec } = normaliseModelSpec({ family: 'kaplan_meier', outcome: { kind: 'survival', time: 'time', event: 'event' } });
    expect(() => getComputation('descriptive').initialState(spec, { maxRounds: 1, options: { numeric: [{ column: 'age' }] } })).toThrow(/not used by the approved spec/);
  });

  it('trains an MLP by FedAvg and evaluates it', async () => {
    const reference = JSON.parse(readFileSync(new URL('reference/wdbc_logistic.json', DATA), 'utf8'));
    const sites = [0, 1, 2].map((site) => readTable(new URL('wdbc.csv', DATA), (index) => index % 3 === site));
    const features = ['radius_mean', 'texture_mean', 'smoothness_mean', 'concave_points_mean', 'symmetry_mean'].map((column) => ({
      column,
      encoding: 'numeric' as const,
      center: reference.feature_mean[column],
      scale: reference.feature_sd[column],
    }));
    const { results, rounds } = await runJob(
      'mlp_fedavg',
      {
        family: 'mlp_classifier',
        outcome: { kind: 'binary', column: 'diagnosis', positive: 'M' },
        features,
        hyperparameters: { hiddenLayers: [8], optimizer: { local: 'adam', learningRate: 0.01, localEpochs: 2, batchSize: 32, server: 'fedavg' } },
      },
      sites,
      {},
      5,
    );
    // Four training rounds, then the evaluation round, within the job's limit of five.
    expect(rounds).toHaveLength(5);
    const evaluation = (results as { evaluation: { pooled: { accuracy: number } } }).evaluation;
    expect(evaluation.pooled.accuracy).toBeGreaterThan(0.85);
  });

  it('trains a multi-class MLP by FedAvg and evaluates it', async () => {
    const sites = [0, 1, 2].map((site) => readTable(new URL('gbsg2.csv', DATA), (index) => index % 3 === site));
    const spec: ModelSpecInput = {
      family: 'mlp_classifier',
      outcome: { kind: 'multiclass', column: 'tgrade', levels: ['I', 'II', 'III'] },
      features: [
        { column: 'age', encoding: 'numeric', center: 53, scale: 10 },
        { column: 'tsize', encoding: 'numeric', center: 29, scale: 14 },
        { column: 'pnodes', encoding: 'numeric', center: 5, scale: 5.5 },
        { column: 'progrec', encoding: 'numeric', center: 110, scale: 200 },
        { column: 'estrec', encoding: 'numeric', center: 97, scale: 150 },
        { column: 'menostat', encoding: 'categorical', levels: ['Post', 'Pre'], reference: 'Pre' },
      ],
      hyperparameters: { hiddenLayers: [4], optimizer: { learningRate: 0.05, batchSize: 16 } },
    };

    const { results, rounds } = await runJob('mlp_fedavg', spec, sites, {}, 11, { ...EXACT, exactScores: true });
    type Summary = { n: number; accuracy: number; logLoss: number; confusion: number[][]; macroAuc: number | null; exactMacroAuc: number | null; perClass: Array<{ level: string; support: number }> };
    const report = results as { levels: string[]; evaluation: { pooled: Summary; perSite: Array<{ siteId: string } & Summary> } };
    const { pooled, perSite } = report.evaluation;

    expect(rounds).toHaveLength(11);
    expect(report.levels).toEqual(['I', 'II', 'III']);
    expect(pooled.n).toBe(686);
    expect(pooled.perClass.map((entry) => [entry.level, entry.support])).toEqual([['I', 81], ['II', 444], ['III', 161]]);
    expect(pooled.confusion.flat().reduce((sum, count) => sum + count, 0)).toBe(686);
    expect(perSite.map((site) => site.n)).toEqual([229, 229, 228]);
    // Pooled confusion counts are the sites' counts added cell by cell.
    const added = pooled.confusion.map((row, observed) => row.map((_, predicted) => perSite.reduce((sum, site) => sum + (site.confusion[observed]?.[predicted] ?? 0), 0)));
    expect(added).toEqual(pooled.confusion);
    // Grade is weakly predictable from these covariates, so the model must at least find the
    // majority class (grade II, 444 of 686) and beat a uniform guess, whose log-loss is ln 3.
    expect(pooled.accuracy).toBeGreaterThanOrEqual(444 / 686 - 0.01);
    expect(pooled.logLoss).toBeLessThan(Math.log(3));
    expect(Math.abs((pooled.exactMacroAuc as number) - (pooled.macroAuc as number))).toBeLessThan(0.01);
  });

  it('rejects a prediction job for a multi-class model', () => {
    const { spec } = normaliseModelSpec({
      family: 'mlp_classifier',
      outcome: { kind: 'multiclass', column: 'tgrade', levels: ['I', 'II', 'III'] },
      features: [{ column: 'age', encoding: 'numeric' }],
      hyperparameters: { hiddenLayers: [4] },
    });

    expect(() => getComputation('predict_binary').initialState(spec, { maxRounds: 1, options: {} })).toThrow(/has 3 classes; this computation scores binary outcomes, so use predict_multiclass/);
  });

  describe('multi-class predictions', () => {
    const spec: ModelSpecInput = {
      family: 'mlp_classifier',
      outcome: { kind: 'multiclass', column: 'tgrade', levels: ['I', 'II', 'III'] },
      features: [
        { column: 'age', encoding: 'numeric', center: 53, scale: 10 },
        { column: 'progrec', encoding: 'numeric', center: 110, scale: 200 },
      ],
      hyperparameters: { hiddenLayers: [4] },
    };
    const { spec: parsed } = normaliseModelSpec(spec);
    const { config } = federatedTrainingPlanFromSpec(parsed, featureLayout(parsed));
    const weights = tensorMapToJson(initializeNetworkWeights(config, 8));
    const sites = [0, 1, 2].map((site) => readTable(new URL('gbsg2.csv', DATA), (index) => index % 3 === site));

    it('keeps the class probabilities at the site', async () => {
      const computation = getComputation('predict_multiclass');
      const state = computation.initialState(parsed, { maxRounds: 1, options: { weights } });
      const plan = computation.planRound(state, 1);
      const everyCell: SitePrivacy = { ...EXACT, minCellSize: 1 };
      const site = await computation.runSite({ spec: parsed, table: sites[0] as ColumnarTable, round: 1, parameters: plan.parameters, ...(plan.globalTensors ? { globalTensors: plan.globalTensors } : {}), privacy: everyCell });

      const [file] = site.siteOnlyFiles ?? [];
      const [header, ...rows] = file?.content.trim().split('\n') ?? [];
      expect(header).toBe('row,probability_I,probability_II,probability_III,predicted');
      expect(rows).toHaveLength(229);
      const counts = { I: 0, II: 0, III: 0 } as Record<string, number>;
      for (const row of rows) {
        const cells = row.split(',');
        const probabilities = cells.slice(1, 4).map(Number);
        expect(probabilities.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 5);
        expect(cells[4]).toBe(['I', 'II', 'III'][probabilities.indexOf(Math.max(...probabilities))]);
        counts[cells[4] as string] = (counts[cells[4] as string] as number) + 1;
      }
      // Rows are numbered from 1 in the site's own file.
      expect(rows.slice(0, 3).map((row) => row.split(',')[0])).toEqual(['1', '2', '3']);
      expect(Object.keys(site.tensors).sort()).toEqual(['predict/predicted_per_class', 'predict/predicted_per_class/withheld', 'predict/rows']);
      expect(Array.from(site.tensors['predict/predicted_per_class/withheld']?.data as Float64Array)).toEqual([0, 0, 0]);
      expect(Array.from(site.tensors['predict/predicted_per_class']?.data as Float64Array)).toEqual([counts.I, counts.II, counts.III]);
    });

    it('quotes class names that contain commas or quotes', async () => {
      const levels = ['low', 'mid, "borderline"', 'high'];
      const { spec: quoted } = normaliseModelSpec({ ...spec, outcome: { kind: 'multiclass', column: 'grade', levels }, features: [{ column: 'age', encoding: 'numeric' }] } as ModelSpecInput);
      const table: ColumnarTable = {
        rowCount: 2,
        columns: new Map<string, TableColumn>([
          ['age', { type: 'number', values: [40, 60] }],
          ['grade', { type: 'categorical', levels, values: ['low', 'high'] }],
        ]),
      };
      const { config: quotedConfig } = federatedTrainingPlanFromSpec(quoted, ['age']);
      const computation = getComputation('predict_multiclass');
      const state = computation.initialState(quoted, { maxRounds: 1, options: { weights: tensorMapToJson(initializeNetworkWeights(quotedConfig, 8)) } });
      const plan = computation.planRound(state, 1);

      const site = await computation.runSite({ spec: quoted, table, round: 1, parameters: plan.parameters, ...(plan.globalTensors ? { globalTensors: plan.globalTensors } : {}), privacy: { ...EXACT, minCellSize: 1 } });

      const header = site.siteOnlyFiles?.[0]?.content.split('\n')[0];
      expect(header).toBe('row,probability_low,"probability_mid, ""borderline""",probability_high,predicted');
    });

    it('scores rows without an outcome', async () => {
      const computation = getComputation('predict_multiclass');
      const state = computation.initialState(parsed, { maxRounds: 1, options: { weights } });
      const plan = computation.planRound(state, 1);
      const labelled = sites[0] as ColumnarTable;
      const unlabelled: ColumnarTable = { rowCount: labelled.rowCount, columns: new Map([...labelled.columns].filter(([name]) => name !== 'tgrade')) };

      const site = await computation.runSite({ spec: parsed, table: unlabelled, round: 1, parameters: plan.parameters, ...(plan.globalTensors ? { globalTensors: plan.globalTensors } : {}), privacy: { ...EXACT, minCellSize: 1 } });

      expect(computation.readsOutcome).toBe(false);
      expect(Array.from(site.tensors['predict/rows']?.data as Float64Array)).toEqual([229]);
      expect(site.siteOnlyFiles?.[0]?.content.trim().split('\n')).toHaveLength(230);
    });

    it('reports classes withheld at a site as null', async () => {
      const computation = getComputation('predict_multiclass');
      const state = computation.initialState(parsed, { maxRounds: 1, options: { weights } });
      const plan = computation.planRound(state, 1);
      // Three rows: every predicted class has fewer than 10 rows, so the site withholds each non-empty one.
      const full = sites[0] as ColumnarTable;
      const tiny: ColumnarTable = {
        rowCount: 3,
        columns: new Map([...full.columns].map(([name, column]) => [name, { ...column, values: column.values.slice(0, 3) } as TableColumn])),
      };
      const small = await computation.runSite({ spec: parsed, table: tiny, round: 1, parameters: plan.parameters, ...(plan.globalTensors ? { globalTensors: plan.globalTensors } : {}), privacy: { ...EXACT, smallCellAction: 'suppress' } });
      const large = await computation.runSite({ spec: parsed, table: sites[0] as ColumnarTable, round: 1, parameters: plan.parameters, ...(plan.globalTensors ? { globalTensors: plan.globalTensors } : {}), privacy: { ...EXACT, minCellSize: 1 } });

      const mask = Array.from(small.tensors['predict/predicted_per_class/withheld']?.data as Float64Array);
      expect(Array.from(small.tensors['predict/predicted_per_class']?.data as Float64Array)).toEqual([0, 0, 0]);
      expect(mask.reduce((sum, value) => sum + value, 0)).toBeGreaterThan(0);
      const step = computation.serverStep(state, [{ siteId: 'small', contribution: small }, { siteId: 'large', contribution: large }], 1);
      const results = step.results as { predictedPerClass: (number | null)[]; perSite: Array<{ siteId: string; predictedPerClass: (number | null)[] }> };
      const largeCounts = Array.from(large.tensors['predict/predicted_per_class']?.data as Float64Array);
      expect(results.perSite[0]?.predictedPerClass).toEqual(mask.map((withheld) => (withheld > 0 ? null : 0)));
      expect(results.perSite[1]?.predictedPerClass).toEqual(largeCounts);
      expect(results.predictedPerClass).toEqual(largeCounts.map((count, k) => ((mask[k] as number) > 0 ? null : count)));
    });

    it('adds the sites\' class counts after the small-cell rule', async () => {
      const suppress: SitePrivacy = { ...EXACT, smallCellAction: 'suppress' };

      const { results } = await runJob('predict_multiclass', spec, sites, { weights }, 1, suppress);
      const summary = results as { rows: number; levels: string[]; predictedPerClass: (number | null)[]; perSite: Array<{ predictedPerClass: (number | null)[] }> };

      expect(summary.rows).toBe(686);
      expect(summary.levels).toEqual(['I', 'II', 'III']);
      expect(summary.perSite.flatMap((site) => site.predictedPerClass).every((count) => count === null || count === 0 || count >= 10)).toBe(true);
      const added = [0, 1, 2].map((k) =>
        summary.perSite.some((site) => site.predictedPerClass[k] === null) ? null : summary.perSite.reduce((sum, site) => sum + (site.predictedPerClass[k] as number), 0),
      );
      expect(summary.predictedPerClass).toEqual(added);
    });

    it.each([
      ['without weights', {}, /set options.modelVersionId to a version of this model, or options.weights/],
      ['with a wrong output width', { weights: { ...weights, 'layer1.bias': { dtype: 'F32', shape: [2], data: [0, 0] } } }, /weight "layer1.bias" is F32 \[2\] but this spec needs F32 \[3\]/],
      ['with an extra tensor', { weights: { ...weights, 'layer2.bias': { dtype: 'F32', shape: [1], data: [0] } } }, /weights "layer2.bias" are not part of this network/],
      ['with a missing tensor', { weights: { 'layer0.weight': weights['layer0.weight'] } }, /weight "layer0.bias" is missing/],
      ['with a null value', { weights: { ...weights, 'layer1.bias': { dtype: 'F32', shape: [3], data: [0, null, 0] } } }, /options.weights\["layer1.bias"\].data\[1\] is null; use a finite number/],
      ['with too few values', { weights: { ...weights, 'layer1.bias': { dtype: 'F32', shape: [3], data: [0, 0] } } }, /data is 2 values; shape \[3\] needs an array of 3 values/],
      ['with text for values', { weights: { ...weights, 'layer1.bias': { dtype: 'F32', shape: [3], data: 'AAA' } } }, /data is "AAA"; shape \[3\] needs an array of 3 values/],
      ['with a value beyond float32', { weights: { ...weights, 'layer1.bias': { dtype: 'F32', shape: [3], data: [0, 1e300, 0] } } }, /data\[1\] is 1e\+300; F32 values must lie within/],
      ['with weights as text', { weights: 'layer0' }, /options.weights must be an object of tensors by name/],
      ['with weights as an array', { weights: [1, 2] }, /options.weights must be an object of tensors by name/],
      ['with a misspelt option', { wieghts: weights }, /unknown option\(s\) "wieghts"; this computation reads weights, modelVersionId/],
    ])('rejects a job %s', (_case, options, message) => {
      expect(() => getComputation('predict_multiclass').initialState(parsed, { maxRounds: 1, options })).toThrow(message);
    });

    it('rejects a binary model', () => {
      const { spec: binary } = normaliseModelSpec({ ...spec, outcome: { kind: 'binary', column: 'tgrade', positive: 'III' } } as ModelSpecInput);

      expect(() => getComputation('predict_multiclass').initialState(binary, { maxRounds: 1, options: { weights } })).toThrow(/so use predict_binary/);
    });
  });

  it('predicts at the sites and releases only counts', async () => {
    const reference = JSON.parse(readFileSync(new URL('reference/wdbc_logistic.json', DATA), 'utf8'));
    const model = reference.models.mean5;
    const sites = [0, 1, 2].map((site) => readTable(new URL('wdbc.csv', DATA), (index) => index % 3 === site));
    const spec: ModelSpecInput = {
      family: 'logistic_regression',
      outcome: { kind: 'binary', column: 'diagnosis', positive: 'M' },
      features: (model.features as string[]).map((column) => ({ column, encoding: 'numeric', center: reference.feature_mean[column], scale: reference.feature_sd[column] })),
    };
    const computation = getComputation('predict_binary');
    const { spec: parsed } = normaliseModelSpec(spec);
    const state = computation.initialState(parsed, { maxRounds: 1, options: { coefficients: model.tight_control.coefficients } });
    const plan = computation.planRound(state, 1);
    const suppress: SitePrivacy = { ...EXACT, smallCellAction: 'suppress' };
    const site = await computation.runSite({ spec: parsed, table: sites[0] as ColumnarTable, round: 1, parameters: plan.parameters, ...(plan.globalTensors ? { globalTensors: plan.globalTensors } : {}), privacy: suppress });

    const [file] = site.siteOnlyFiles ?? [];
    const lines = file?.content.trim().split('\n') ?? [];
    expect(file?.fileName).toBe('predictions.csv');
    expect(lines[0]).toBe('row,probability,predicted');
    expect(lines).toHaveLength(190 + 1);
    expect(Object.keys(site.tensors).sort()).toEqual([
      'predict/histogram',
      'predict/histogram/withheld',
      'predict/predicted_positive',
      'predict/predicted_positive/withheld',
      'predict/rows',
    ]);
    const released = Array.from(site.tensors['predict/histogram']?.data as Float64Array);
    expect(released.every((count) => count === 0 || count >= 10)).toBe(true);

    const { results } = await runJob('predict_binary', spec, sites, { coefficients: model.tight_control.coefficients }, 1, suppress);
    const summary = results as { rows: number; predictedPositive: number };
    expect(summary.rows).toBe(569);
    expect(summary.predictedPositive).toBeGreaterThan(180);
    expect(summary.predictedPositive).toBeLessThan(240);
  });

  it('rejects a prediction job without weights', () => {
    const { spec } = normaliseModelSpec({
      family: 'logistic_regression',
      outcome: { kind: 'binary', column: 'diagnosis', positive: 'M' },
      features: [{ column: 'radius_mean', encoding: 'numeric' }],
    });
    expect(() => getComputation('predict_binary').initialState(spec, { maxRounds: 1, options: {} })).toThrow(/options.weights/);
  });

  it('rejects an unknown computation name', () => {
    expect(() => getComputation('bogus' as never)).toThrow(/unknown computation "bogus"/);
  });
});
