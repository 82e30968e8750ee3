import { dataOrThrow, type ApiClient } from '../../gateway/src/cloud/api-client.js';
import type { components } from '../../gateway/src/cloud/generated/openapi.js';
import type { Collaboration } from './collaboration.js';
import type { HospitalSite } from './hospital-sites.js';
import type { StudyProgress } from './progress.js';
import { runJob, type FinishedJob } from './run-job.js';
import { WDBC_FEATURES } from './study-data.js';
import type { CoxResults, DescriptiveResults, FedAvgResults, JobOutcome, KaplanMeierResults, LogisticResults, StudyResults } from './study-results.js';
import {
  COHORT_STATISTICS_OPTIONS,
  diagnosisLogisticSpec,
  diagnosisMlpSpec,
  KAPLAN_MEIER_OPTIONS,
  MLP_TRAINING_ROUNDS,
  RELAPSE_COX_SPEC,
  SURVIVAL_BY_THERAPY_SPEC,
  WDBC_RAW_SPEC,
  WDBC_STATISTICS_OPTIONS,
  type ModelSpec,
  type Standardisation,
} from './study-specs.js';

type CreateJobRequest = components['schemas']['CreateJobRequest'];

/** Newton rounds allowed to the Cox and logistic fits; both converge in under 10 here. */
const NEWTON_MAX_ROUNDS = 30;

/** The project's approved dataset links, by dataset. */
interface ApprovedLinks {
  gbsg2: string[];
  wdbc: string[];
}

/**
 * Runs the federated study once the sites are enrolled and their gateways running. The partner
 * requests a link to every dataset and the centre's data officer approves them. Then the partner
 * defines each model, the officer approves it at its SHA-256, and its job runs to the end.
 */
export async function runStudy(collaboration: Collaboration, sites: readonly HospitalSite[], progress: StudyProgress, dataFile: string, startedAt: number): Promise<StudyResults> {
  const links = await linkDatasets(collaboration, sites, progress);
  const siteNames = new Map(sites.flatMap((site) => [[site.gbsg2DatasetId, site.name] as const, [site.wdbcDatasetId, site.name] as const]));
  const run = async <Results>(title: string, request: CreateJobRequest): Promise<JobOutcome<Results>> => {
    const finished: FinishedJob<Results> = await runJob(collaboration.scientist, collaboration.projectId, title, request, progress, siteNames);
    return { jobId: finished.job.id, rounds: finished.rounds, results: finished.results };
  };

  const coxModel = await defineApprovedModel(collaboration, progress, 'Relapse risk, stratified Cox (Breslow)', RELAPSE_COX_SPEC, links.gbsg2);
  const survivalModel = await defineApprovedModel(collaboration, progress, 'Relapse-free survival by hormone therapy', SURVIVAL_BY_THERAPY_SPEC, links.gbsg2);

  const cohort = await run<DescriptiveResults>('Cohort statistics', {
    kind: 'analytics',
    computation: 'descriptive',
    modelId: coxModel,
    datasetLinkIds: links.gbsg2,
    settings: { options: COHORT_STATISTICS_OPTIONS },
  });
  const survival = await run<KaplanMeierResults>('Kaplan–Meier', {
    kind: 'analytics',
    computation: 'kaplan_meier',
    modelId: survivalModel,
    datasetLinkIds: links.gbsg2,
    settings: { options: KAPLAN_MEIER_OPTIONS },
  });
  const cox = await run<CoxResults>('Cox model', {
    kind: 'train',
    computation: 'cox_newton',
    modelId: coxModel,
    datasetLinkIds: links.gbsg2,
    settings: { maxRounds: NEWTON_MAX_ROUNDS },
  });

  const wdbcRawModel = await defineApprovedModel(collaboration, progress, 'WDBC features, unscaled', WDBC_RAW_SPEC, links.wdbc);
  const wdbcStatistics = await run<DescriptiveResults>('WDBC statistics', {
    kind: 'analytics',
    computation: 'descriptive',
    modelId: wdbcRawModel,
    datasetLinkIds: links.wdbc,
    settings: { options: WDBC_STATISTICS_OPTIONS },
  });
  const standardisation = pooledStandardisation(wdbcStatistics.results);
  progress.step(`Pooled standardisation pinned in the specs: ${WDBC_FEATURES.map((column) => `${column} ${standardisation[column]?.center.toFixed(4)} ± ${standardisation[column]?.scale.toFixed(4)}`).join(', ')}`);

  const logisticModel = await defineApprovedModel(collaboration, progress, 'Malignancy, logistic regression (mean5, standardised)', diagnosisLogisticSpec(standardisation), links.wdbc);
  const logistic = await run<LogisticResults>('Logistic regression', {
    kind: 'train',
    computation: 'logistic_newton',
    modelId: logisticModel,
    datasetLinkIds: links.wdbc,
    settings: { maxRounds: NEWTON_MAX_ROUNDS },
  });

  const mlpModel = await defineApprovedModel(collaboration, progress, 'Malignancy, MLP 16 (mean5, standardised)', diagnosisMlpSpec(standardisation), links.wdbc);
  const mlp = await run<FedAvgResults>('MLP (FedAvg)', {
    kind: 'train',
    computation: 'mlp_fedavg',
    modelId: mlpModel,
    datasetLinkIds: links.wdbc,
    // The job's round limit counts the final evaluation round too.
    settings: { maxRounds: MLP_TRAINING_ROUNDS + 1 },
  });

  return {
    sites: sites.map((site) => ({
      name: site.name,
      gatewayId: site.gatewayId,
      gbsg2DatasetId: site.gbsg2DatasetId,
      wdbcDatasetId: site.wdbcDatasetId,
      gbsg2Rows: site.gbsg2Rows,
      wdbcRows: site.wdbcRows,
    })),
    dataFile,
    cohort,
    survival,
    cox,
    wdbcStatistics,
    logistic,
    mlp,
    elapsedSeconds: (performance.now() - startedAt) / 1000,
  };
}

/**
 * Requests a link to each of the centre's datasets as the partner's data scientist, and approves
 * every request as the centre's data officer.
 */
async function linkDatasets(collaboration: Collaboration, sites: readonly HospitalSite[], progress: StudyProgress): Promise<ApprovedLinks> {
  const { scientist, dataOfficer, projectId, centreId } = collaboration;
  const visible = dataOrThrow(await scientist.GET('/v1/datasets', { params: { query: { organizationId: centreId, limit: 200 } } })).items;

  const links: ApprovedLinks = { gbsg2: [], wdbc: [] };
  for (const site of sites) {
    for (const [key, datasetId] of [['gbsg2', site.gbsg2DatasetId], ['wdbc', site.wdbcDatasetId]] as const) {
      const dataset = visible.find((entry) => entry.id === datasetId);
      if (dataset === undefined) {
        throw new Error(`dataset ${datasetId} of ${site.name} is not visible to the partner; the partnership may not be active`);
      }
      const link = dataOrThrow(await scientist.POST('/v1/projects/{projectId}/dataset-links', { params: { path: { projectId } }, body: { datasetId } }));
      dataOrThrow(await dataOfficer.POST('/v1/dataset-links/{datasetLinkId}/approve', { params: { path: { datasetLinkId: link.id } } }));
      links[key].push(link.id);
    }
  }
  progress.step(`Data officer approved ${links.gbsg2.length + links.wdbc.length} dataset links (GBSG2 and WDBC at ${sites.length} sites)`);
  return links;
}

/** Defines a model on the given links as the partner, then reads it and approves its spec SHA-256 as the data officer. */
async function defineApprovedModel(collaboration: Collaboration, progress: StudyProgress, name: string, spec: ModelSpec, datasetLinkIds: string[]): Promise<string> {
  const { scientist, dataOfficer, projectId } = collaboration;
  const created = dataOrThrow(await scientist.POST('/v1/projects/{projectId}/models', { params: { path: { projectId } }, body: { name, spec, datasetLinkIds } }));
  const reviewed = await readModel(dataOfficer, created.id);
  dataOrThrow(await dataOfficer.POST('/v1/models/{modelId}/approvals', { params: { path: { modelId: reviewed.id } }, body: { specSha256: reviewed.specSha256 } }));
  progress.step(`Model "${name}" defined; data officer approved spec SHA-256 ${reviewed.specSha256.slice(0, 12)}…`);
  return created.id;
}

async function readModel(client: ApiClient, modelId: string) {
  return dataOrThrow(await client.GET('/v1/models/{modelId}', { params: { path: { modelId } } }));
}

/** Pooled mean and sample SD of each WDBC feature, from the statistics job. */
export function pooledStandardisation(statistics: DescriptiveResults): Standardisation {
  const standardisation: Standardisation = {};
  for (const column of WDBC_FEATURES) {
    const summary = statistics.pooled.numeric.find((entry) => entry.column === column);
    if (summary?.mean === null || summary?.mean === undefined || summary.sd === null || !(summary.sd > 0)) {
      throw new Error(`the WDBC statistics job returned no mean and positive SD for ${column} (${JSON.stringify(summary)}); the features cannot be standardised`);
    }
    standardisation[column] = { center: summary.mean, scale: summary.sd };
  }
  return standardisation;
}
