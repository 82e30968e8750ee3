import { CoxDataError } from '../cox/cox-site-data.js';
import { coefficientsInLayout, type NamedCoefficients } from '../cox/cox-site-sums.js';
import { runGraph, type TensorValue } from '../onnx/index.js';
import type { BinarySiteData } from './binary-site-data.js';
import { LOGISTIC_SITE_GRAPH, logisticCoefficientNames } from './logistic-site-graph.js';

/**
 * One site's IRLS sums at one β. Vectors and matrices are in the order of `coefficients`
 * (the intercept first); every field is a sum over rows, so sites add field by field.
 */
export interface LogisticSiteSums {
  coefficients: string[];
  gradient: number[];
  hessian: number[][];
  workingResponse: number[];
  deviance: number;
  n: number;
  sumY: number;
  /** Rows whose fitted probability is within 10ε of 0 or 1. */
  boundaryFitted: number;
}

/**
 * Runs the logistic site graph at `beta` (named coefficients, intercept as "(Intercept)"), or at
 * glm.fit's starting values when `beta` is null.
 */
export async function computeLogisticSiteSums(options: {
  graph: Uint8Array;
  data: BinarySiteData;
  beta: NamedCoefficients | null;
}): Promise<LogisticSiteSums> {
  const { graph, data } = options;
  const names = logisticCoefficientNames(data.layout);
  const q = names.length;
  const beta = options.beta === null ? new Array<number>(q).fill(0) : coefficientsInLayout(options.beta, names, 'computeLogisticSiteSums');
  const { inputs, outputs } = LOGISTIC_SITE_GRAPH;

  const feeds: Record<string, TensorValue> = {
    [inputs.x]: { dtype: 'float64', dims: [data.n, data.layout.length], data: data.x },
    [inputs.y]: { dtype: 'float64', dims: [data.n], data: data.y },
    [inputs.beta]: { dtype: 'float64', dims: [q], data: Float64Array.from(beta) },
    [inputs.useStart]: { dtype: 'bool', dims: [], data: Uint8Array.from([options.beta === null ? 1 : 0]) },
  };
  const result = await runGraph(graph, feeds);
  const read = (name: string): Float64Array => {
    const tensor = result[name];
    if (tensor === undefined || !(tensor.data instanceof Float64Array)) {
      throw new Error(`computeLogisticSiteSums: the graph returned no float64 output "${name}"; recompile it with compileLogisticSiteGraph`);
    }
    return tensor.data;
  };
  const hessian = read(outputs.hessian);

  return {
    coefficients: names,
    gradient: Array.from(read(outputs.gradient)),
    hessian: Array.from({ length: q }, (_, i) => Array.from(hessian.subarray(i * q, (i + 1) * q))),
    workingResponse: Array.from(read(outputs.workingResponse)),
    deviance: read(outputs.deviance)[0] as number,
    n: read(outputs.n)[0] as number,
    sumY: read(outputs.sumY)[0] as number,
    boundaryFitted: read(outputs.boundaryFitted)[0] as number,
  };
}

/** Adds site sums, matching coefficients by name, in the order of `coefficients`. */
export function sumLogisticSiteSums(coefficients: readonly string[], sites: readonly LogisticSiteSums[]): LogisticSiteSums {
  if (sites.length === 0) {
    throw new RangeError('sumLogisticSiteSums: no site sums were given; a round needs at least one site');
  }
  const q = coefficients.length;
  const total: LogisticSiteSums = {
    coefficients: [...coefficients],
    gradient: new Array<number>(q).fill(0),
    hessian: Array.from({ length: q }, () => new Array<number>(q).fill(0)),
    workingResponse: new Array<number>(q).fill(0),
    deviance: 0,
    n: 0,
    sumY: 0,
    boundaryFitted: 0,
  };

  for (const [siteIndex, site] of sites.entries()) {
    if (site.coefficients.length !== q) {
      throw new CoxDataError(`sumLogisticSiteSums: site ${siteIndex} has ${site.coefficients.length} coefficients; the model has ${q}`);
    }
    const positions = new Map(site.coefficients.map((name, index) => [name, index]));
    const order = coefficients.map((name) => {
      const position = positions.get(name);
      if (position === undefined) {
        throw new CoxDataError(`sumLogisticSiteSums: site ${siteIndex} has no coefficient "${name}"; its coefficients are ${site.coefficients.join(', ')}`);
      }
      return position;
    });

    total.deviance += site.deviance;
    total.n += site.n;
    total.sumY += site.sumY;
    total.boundaryFitted += site.boundaryFitted;
    for (const [i, source] of order.entries()) {
      total.gradient[i] = (total.gradient[i] as number) + (site.gradient[source] as number);
      total.workingResponse[i] = (total.workingResponse[i] as number) + (site.workingResponse[source] as number);
      const row = total.hessian[i] as number[];
      const siteRow = site.hessian[source] as number[];
      for (const [j, sourceColumn] of order.entries()) {
        row[j] = (row[j] as number) + (siteRow[sourceColumn] as number);
      }
    }
  }
  return total;
}
