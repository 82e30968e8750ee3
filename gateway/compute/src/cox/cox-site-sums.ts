import { runGraph, type TensorValue } from '../onnx/index.js';
import { addConcordanceSums, countConcordanceSums, ZERO_CONCORDANCE_SUMS, type ConcordanceSums } from './concordance.js';
import { COX_SITE_GRAPH, type CoxTies } from './cox-site-graph.js';
import { CoxDataError, type CoxSiteData } from './cox-site-data.js';

/**
 * One site's contribution to a Cox Newton-Raphson round, evaluated at one β. Every field is a sum
 * over the site's rows, so the server adds sites field by field. `score` and `information` are in
 * the order of `layout`.
 */
export interface CoxSiteSums {
  layout: string[];
  loglik: number;
  score: number[];
  information: number[][];
  n: number;
  nEvents: number;
  /** Concordance of the linear predictor at this β, within the site. */
  concordance: ConcordanceSums;
}

/** Coefficients by covariate name. */
export type NamedCoefficients = Readonly<Record<string, number>>;

/** Returns the coefficients in layout order; throws if one is missing or not finite. */
export function coefficientsInLayout(beta: NamedCoefficients, layout: readonly string[], what: string): number[] {
  return layout.map((name) => {
    const value = beta[name];
    if (value === undefined) {
      throw new CoxDataError(`${what}: no coefficient for covariate "${name}"; send one per covariate of the layout`);
    }
    if (!Number.isFinite(value)) {
      throw new CoxDataError(`${what}: coefficient "${name}" is ${value}; coefficients must be finite`);
    }
    return value;
  });
}

/**
 * Runs the Cox site graph on prepared site data at `beta` and counts concordance. `ties` must be
 * the value the graph was compiled with: it decides whether the Efron fractions are fed.
 */
export async function computeCoxSiteSums(options: {
  graph: Uint8Array;
  ties: CoxTies;
  data: CoxSiteData;
  beta: NamedCoefficients;
}): Promise<CoxSiteSums> {
  const { graph, data } = options;
  const p = data.layout.length;
  const beta = coefficientsInLayout(options.beta, data.layout, 'computeCoxSiteSums');
  const { inputs, outputs } = COX_SITE_GRAPH;

  const feeds: Record<string, TensorValue> = {
    [inputs.x]: { dtype: 'float64', dims: [data.n, p], data: data.x },
    [inputs.event]: { dtype: 'float64', dims: [data.n], data: data.event },
    [inputs.beta]: { dtype: 'float64', dims: [p], data: Float64Array.from(beta) },
    [inputs.tieStart]: { dtype: 'int64', dims: [data.n], data: data.tieStart },
    [inputs.tieNext]: { dtype: 'int64', dims: [data.n], data: data.tieNext },
  };
  if (options.ties === 'efron') {
    feeds[inputs.efronFraction] = { dtype: 'float64', dims: [data.n], data: data.efronFraction };
  }

  const result = await runGraph(graph, feeds);
  const loglik = readOutput(result, outputs.loglik);
  const score = readOutput(result, outputs.score);
  const information = readOutput(result, outputs.information);
  const linearPredictor = readOutput(result, outputs.linearPredictor);

  return {
    layout: [...data.layout],
    loglik: loglik[0] as number,
    score: Array.from(score),
    information: Array.from({ length: p }, (_, i) => Array.from(information.subarray(i * p, (i + 1) * p))),
    n: data.n,
    nEvents: data.nEvents,
    concordance: countConcordanceSums(data.time, data.event, linearPredictor),
  };
}

/**
 * Adds site sums, matching covariates by name: each site's score and information are reordered
 * to `layout` first, so sites that list covariates in another order still add correctly.
 */
export function sumCoxSiteSums(layout: readonly string[], sites: readonly CoxSiteSums[]): CoxSiteSums {
  if (sites.length === 0) {
    throw new RangeError('sumCoxSiteSums: no site sums were given; a round needs at least one site');
  }
  const p = layout.length;
  const total: CoxSiteSums = {
    layout: [...layout],
    loglik: 0,
    score: new Array<number>(p).fill(0),
    information: Array.from({ length: p }, () => new Array<number>(p).fill(0)),
    n: 0,
    nEvents: 0,
    concordance: { ...ZERO_CONCORDANCE_SUMS },
  };

  for (const [siteIndex, site] of sites.entries()) {
    const positions = new Map(site.layout.map((name, index) => [name, index]));
    const order = layout.map((name) => {
      const position = positions.get(name);
      if (position === undefined) {
        throw new CoxDataError(`sumCoxSiteSums: site ${siteIndex} has no covariate "${name}"; its layout is ${site.layout.join(', ')}`);
      }
      return position;
    });
    if (site.layout.length !== p) {
      throw new CoxDataError(`sumCoxSiteSums: site ${siteIndex} has ${site.layout.length} covariates; the model has ${p}`);
    }

    total.loglik += site.loglik;
    total.n += site.n;
    total.nEvents += site.nEvents;
    total.concordance = addConcordanceSums(total.concordance, site.concordance);
    for (const [i, source] of order.entries()) {
      total.score[i] = (total.score[i] as number) + (site.score[source] as number);
      const row = total.information[i] as number[];
      const siteRow = site.information[source] as number[];
      for (const [j, sourceColumn] of order.entries()) {
        row[j] = (row[j] as number) + (siteRow[sourceColumn] as number);
      }
    }
  }
  return total;
}

function readOutput(result: Record<string, TensorValue>, name: string): Float64Array {
  const tensor = result[name];
  if (tensor === undefined || !(tensor.data instanceof Float64Array)) {
    throw new Error(`computeCoxSiteSums: the graph returned no float64 output "${name}"; recompile it with compileCoxSiteGraph`);
  }
  for (const value of tensor.data) {
    if (!Number.isFinite(value)) {
      throw new Error(
        `computeCoxSiteSums: output "${name}" contains ${value}; the coefficients are too large for exp(x·β), so check the Newton steps`,
      );
    }
  }
  return tensor.data;
}
