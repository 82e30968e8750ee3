import { descriptiveOutputs, descriptivePlanSchema, descriptiveSiteLayout, type DescriptivePlan } from '../../stats/descriptive-plan.js';
import { computeDescriptiveSiteSums } from '../../stats/descriptive-site.js';
import { summarizeDescriptive } from '../../stats/descriptive-summary.js';
import { addSiteTensors, type SiteTensors } from '../../stats/site-graph.js';
import { siteTensorsToTensorMap, tensorMapToSiteTensors } from '../../stats/site-layout.js';
import { DEFAULT_MINIMUM_CELL_SIZE } from '../../stats/suppression.js';
import { listUsedColumns } from '../../spec/design-matrix.js';
import type { Computation, SitePrivacy } from '../computation.js';
import { countWithheld, withheldMaskName, withholdSmallCells } from '../small-cells.js';

export interface DescriptiveJobState {
  plan: DescriptivePlan;
  /** Cells below this count are withheld from the published summaries. */
  minimumCellSize: number;
}

/** Names of the count tensors of a plan, whose cells the site's small-cell rule applies to. */
function countTensorNames(plan: DescriptivePlan): string[] {
  return [
    ...plan.numeric.filter((entry) => entry.binEdges !== undefined).map((entry) => descriptiveOutputs.histogram(entry.column)),
    ...plan.categorical.map((entry) => descriptiveOutputs.levelCounts(entry.column)),
  ];
}

/**
 * Withholds, at the site, count cells between 1 and the minimum cell size and their complement:
 * "refuse" refuses the task, "suppress" sends the cells as 0. Each count tensor gets a mask tensor
 * beside it, so the summaries mark those cells as withheld instead of publishing a false 0.
 * Returns the number of cells withheld.
 */
function applyCellRule(tensors: SiteTensors, plan: DescriptivePlan, privacy: SitePrivacy): number {
  let withheld = 0;
  for (const name of countTensorNames(plan)) {
    const tensor = tensors[name];
    if (!tensor) continue;
    const mask = withholdSmallCells(tensor.data as Float64Array, privacy, (count) => `a count of ${name} contains ${count} patients`);
    tensors[withheldMaskName(name)] = { dtype: 'float64', dims: [...tensor.dims], data: mask };
    withheld += countWithheld(mask);
  }
  return withheld;
}

/** Returns the site layout of a plan plus one withheld-cell mask per count tensor. */
function contributionLayoutOf(plan: DescriptivePlan) {
  const layout = descriptiveSiteLayout(plan);
  for (const name of countTensorNames(plan)) {
    layout[withheldMaskName(name)] = { ...(layout[name] as (typeof layout)[string]) };
  }
  return layout;
}

/** Reads which cells of a count tensor any contributing site withheld, from the summed masks. */
function withheldCells(tensors: SiteTensors): (name: string) => boolean[] | undefined {
  return (name) => {
    const mask = tensors[withheldMaskName(name)];
    return mask === undefined ? undefined : Array.from(mask.data as Float64Array, (sites) => sites > 0);
  };
}

/**
 * Cohort statistics from sums: per numeric column the count, sum and sum of squares (and a
 * histogram over given edges), per categorical column the count of each level. The server adds
 * the sites' sums and reports pooled and per-site means, SDs and counts, with small cells withheld.
 * The plan may only name columns the approved spec uses, so the site policy's column rules cover it.
 */
export const descriptiveComputation: Computation<DescriptiveJobState> = {
  name: 'descriptive',
  kind: 'analytics',
  families: ['kaplan_meier', 'cox_ph', 'logistic_regression', 'mlp_classifier'],

  initialState(spec, settings) {
    const { minimumCellSize, ...planInput } = settings.options as { minimumCellSize?: unknown } & Record<string, unknown>;
    const parsed = descriptivePlanSchema.safeParse(planInput);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RangeError(`descriptive: options.${issue?.path.join('.') ?? ''} is invalid: ${issue?.message ?? 'unknown problem'}`);
    }
    const allowed = new Set(listUsedColumns(spec));
    for (const entry of [...parsed.data.numeric, ...parsed.data.categorical]) {
      if (!allowed.has(entry.column)) {
        throw new RangeError(`descriptive: column "${entry.column}" is not used by the approved spec; describe only its columns (${[...allowed].join(', ')})`);
      }
    }
    const minimum = minimumCellSize ?? DEFAULT_MINIMUM_CELL_SIZE;
    if (typeof minimum !== 'number' || !Number.isInteger(minimum) || minimum < 1) {
      throw new RangeError(`descriptive: options.minimumCellSize is ${String(minimum)}; use a positive integer such as 10`);
    }
    return { plan: parsed.data, minimumCellSize: minimum };
  },

  planRound(state) {
    return { parameters: { plan: state.plan } };
  },

  contributionLayout(state) {
    return contributionLayoutOf(state.plan);
  },

  async runSite({ table, parameters, privacy }) {
    const plan = descriptivePlanSchema.parse(parameters.plan);
    const result = await computeDescriptiveSiteSums(table, plan);
    const withheld = applyCellRule(result.tensors, plan, privacy);
    return { tensors: siteTensorsToTensorMap(result.tensors), sampleCount: result.rowCount, metrics: { withheldCells: withheld } };
  },

  serverStep(state, contributions) {
    let pooled: SiteTensors | undefined;
    const perSite = contributions.map((entry) => {
      const tensors = tensorMapToSiteTensors(entry.contribution.tensors);
      pooled = pooled === undefined ? tensors : addSiteTensors(pooled, tensors);
      return {
        siteId: entry.siteId,
        withheldCells: entry.contribution.metrics.withheldCells ?? 0,
        summary: summarizeDescriptive(tensors, state.plan, { minimumCellSize: state.minimumCellSize, withheld: withheldCells(tensors) }),
      };
    });
    if (pooled === undefined) throw new RangeError('descriptive: no site contributed; a round needs at least one site');

    return {
      state,
      done: true,
      roundMetrics: { sites: contributions.length },
      results: {
        pooled: summarizeDescriptive(pooled, state.plan, { minimumCellSize: state.minimumCellSize, withheld: withheldCells(pooled) }),
        perSite,
        withheldCellsAtSites: perSite.reduce((sum, site) => sum + site.withheldCells, 0),
      },
    };
  },
};
