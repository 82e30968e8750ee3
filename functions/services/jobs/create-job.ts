import { and, eq, inArray, type SQL } from 'drizzle-orm';
import {
  COMPUTATION_NAMES,
  ComputationSettingsError,
  modelSpecSchema,
  type Computation,
  type ComputationName,
  type JobKind,
  type ModelSpec,
} from '@onsite/compute';
import { newId } from '../../../db/ids.js';
import { datasetLinks, datasets, gateways, jobSites, jobs, modelApprovals, models } from '../../../db/schema/index.js';
import { ApiError, notFound, type FieldError } from '../../api/errors/api-error.js';
import type { ServiceContext } from '../service-context.js';
import { resolveJobSettings, type JobSettingsInput } from './job-settings.js';
import { insertRound, planAndStoreRound } from './open-round.js';
import { findVisibleProject, type JobRow } from './project-access.js';
import { recordAuditEvents } from './record-audit-events.js';
import { resolveModelVersionWeights } from './resolve-model-version-weights.js';
import type { SchedulerDependencies } from './scheduler-dependencies.js';

export interface CreateJobInput {
  organizationId: string;
  projectId: string;
  kind: JobKind;
  computation: ComputationName;
  modelId: string;
  /**
   * Links to run on, each to one of the model's datasets. When omitted, the job runs on every
   * approved link of the project to one of the model's datasets.
   */
  datasetLinkIds?: string[];
  settings: JobSettingsInput;
}

interface Site {
  datasetLinkId: string;
  datasetId: string;
  gatewayId: string;
  datasetOrganizationId: string;
}

/**
 * Creates a job, its sites and its first round with one pending task per site, in one transaction.
 * The sites are links to the model's datasets only, because the spec was checked against those
 * datasets and their owners approved it for them. Everything that would make the job fail for a
 * reason known now is rejected here instead of queued. That covers a frozen project, a link to a
 * dataset the model does not list, a link that is not approved, and a spec that a data-owning
 * hospital has not approved at its current SHA-256. It also covers a computation that does not
 * accept the model's family, and settings the computation rejects.
 */
export async function createJob(deps: SchedulerDependencies, context: ServiceContext, input: CreateJobInput): Promise<JobRow> {
  const { project, partnershipState } = await findVisibleProject(deps.db, input.organizationId, input.projectId);
  if (project.state !== 'active') {
    throw new ApiError('invalid_state', `project ${project.id} is ${project.state}; jobs can only run in an active project`);
  }
  if (partnershipState !== 'active') {
    throw new ApiError('invalid_state', `the partnership of project ${project.id} is ${partnershipState}; jobs need an active partnership`);
  }

  const [model] = await deps.db
    .select()
    .from(models)
    .where(and(eq(models.id, input.modelId), eq(models.projectId, project.id)))
    .limit(1);
  if (!model) throw notFound('model', input.modelId);

  const computation = findComputation(deps, input.computation);
  const spec = parseSpec(model.id, model.spec);
  checkComputationFits(deps, input, computation, spec);

  const sites = await loadSites(deps, project.id, model, input.datasetLinkIds);
  await checkSpecApprovals(deps, model.id, model.specSha256, sites);

  const settings = resolveJobSettings(input.settings, sites.length);
  if (settings.quorum > sites.length) {
    throw new ApiError('validation_failed', `quorum ${settings.quorum} is more than the job's ${sites.length} site(s); lower it or add sites`, {
      errors: [{ path: 'body.settings.quorum', message: `must be at most ${sites.length}` }],
    });
  }

  const computationOptions = await resolveModelVersionWeights(deps, { organizationId: input.organizationId, projectId: project.id }, input);
  let initialState: unknown;
  try {
    initialState = computation.initialState(spec, { maxRounds: settings.maxRounds, options: computationOptions });
  } catch (error) {
    throw settingsRejected(input.computation, error);
  }

  const jobId = newId('job');
  const now = context.now;
  const plan = await planAndStoreRound(deps.blobStore, { organizationId: input.organizationId, jobId, computation, state: initialState, number: 1 });

  return deps.db.transaction(async (tx) => {
    const [job] = await tx
      .insert(jobs)
      .values({
        id: jobId,
        organizationId: input.organizationId,
        projectId: project.id,
        modelId: model.id,
        spec: model.spec,
        specSha256: model.specSha256,
        kind: input.kind,
        computation: input.computation,
        settings,
        state: 'queued',
        currentRound: 1,
        serverState: initialState,
        createdBy: context.actor.id,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!job) throw new Error(`insert into jobs returned no row for ${jobId}`);

    const siteRows = await tx
      .insert(jobSites)
      .values(sites.map((site) => ({ organizationId: input.organizationId, jobId, ...site, createdAt: now })))
      .returning();

    await recordAuditEvents(tx, [
      {
        organizationId: input.organizationId,
        actor: context.actor,
        action: 'job.created',
        target: { type: 'job', id: jobId },
        data: { projectId: project.id, modelId: model.id, specSha256: model.specSha256, kind: input.kind, computation: input.computation, datasetLinkIds: sites.map((site) => site.datasetLinkId) },
        ...(context.requestId ? { requestId: context.requestId } : {}),
      },
    ]);
    await insertRound(tx, { job, sites: siteRows, plan, now, actor: context.actor, ...(context.requestId ? { requestId: context.requestId } : {}) });
    return job;
  });
}

function findComputation(deps: SchedulerDependencies, name: ComputationName): Computation {
  try {
    return deps.computations(name);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ApiError('unprocessable', `computation ${name} is not available on this server (${message}); choose another computation`, { cause: error });
  }
}

function parseSpec(modelId: string, stored: unknown): ModelSpec {
  const parsed = modelSpecSchema.safeParse(stored);
  if (!parsed.success) {
    throw new ApiError('unprocessable', `model ${modelId} has a spec this server cannot read (${parsed.error.issues[0]?.message ?? 'invalid'}); update the model`);
  }
  return parsed.data;
}

function checkComputationFits(deps: SchedulerDependencies, input: CreateJobInput, computation: Computation, spec: ModelSpec): void {
  const { kind, families, outcomes } = computation;
  if (kind !== input.kind) {
    throw new ApiError('validation_failed', `computation ${input.computation} runs ${kind} jobs, not ${input.kind}; choose kind ${kind}`, {
      errors: [{ path: 'body.kind', message: `must be ${kind} for computation ${input.computation}` }],
    });
  }
  if (!families.includes(spec.family)) {
    throw new ApiError('unprocessable', `computation ${input.computation} accepts model families ${families.join(', ')}, but model ${input.modelId} is ${spec.family}`);
  }
  if (outcomes && !outcomes.includes(spec.outcome.kind)) {
    const fitting = COMPUTATION_NAMES.filter((name) => name !== input.computation && fits(deps, name, input.kind, spec));
    const hint = fitting.length > 0 ? `choose ${fitting.join(' or ')}` : 'choose another computation';
    throw new ApiError(
      'unprocessable',
      `computation ${input.computation} accepts ${outcomes.join(', ')} outcomes, but model ${input.modelId} has a ${spec.outcome.kind} outcome; ${hint}`,
    );
  }
}

/** Tells whether a computation of this server runs `kind` jobs on the spec's family and outcome. */
function fits(deps: SchedulerDependencies, name: ComputationName, kind: CreateJobInput['kind'], spec: ModelSpec): boolean {
  try {
    const computation = deps.computations(name);
    return computation.kind === kind && computation.families.includes(spec.family) && (computation.outcomes?.includes(spec.outcome.kind) ?? true);
  } catch {
    // A computation this server does not provide cannot be suggested.
    return false;
  }
}

/** Maps a computation's rejection to `settings.maxRounds` for a `ComputationSettingsError` on it, else to `settings.options`. */
function settingsRejected(computationName: ComputationName, error: unknown): ApiError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ComputationSettingsError && error.setting === 'maxRounds') {
    return new ApiError('validation_failed', `computation ${computationName} rejected maxRounds: ${message}`, {
      errors: [{ path: 'body.settings.maxRounds', message }],
      cause: error,
    });
  }
  return new ApiError('validation_failed', `computation ${computationName} rejected the options: ${message}`, {
    errors: [{ path: 'body.settings.options', message }],
    cause: error,
  });
}

type LinkRow = Awaited<ReturnType<typeof selectLinks>>[number];

/**
 * Loads the job's sites: the requested links, or by default every approved link of the project to
 * one of the model's datasets. The model's dataset list is read at each job creation, so a job
 * follows the model as it is now.
 */
async function loadSites(deps: SchedulerDependencies, projectId: string, model: { id: string; datasetIds: string[] }, linkIds: string[] | undefined): Promise<Site[]> {
  if (model.datasetIds.length === 0) {
    throw new ApiError('invalid_state', `model ${model.id} lists no dataset, so there is no data it may run on; create a model with datasetLinkIds`);
  }
  const rows = linkIds === undefined ? await loadModelLinks(deps, projectId, model) : await loadRequestedLinks(deps, projectId, model, linkIds);

  const inactive = rows.filter((row) => row.gatewayState !== 'active');
  if (inactive.length > 0) {
    const list = inactive.map((row) => `${row.gatewayId} (${row.gatewayState})`).join(', ');
    throw new ApiError('invalid_state', `gateways ${list} cannot take tasks; enrol them again or leave their datasets out`);
  }

  return rows.map((row) => ({ datasetLinkId: row.linkId, datasetId: row.datasetId, gatewayId: row.gatewayId, datasetOrganizationId: row.datasetOrganizationId }));
}

/** Loads the approved links of the project to the model's datasets, leaving links in other states out. */
async function loadModelLinks(deps: SchedulerDependencies, projectId: string, model: { id: string; datasetIds: string[] }): Promise<LinkRow[]> {
  const rows = await selectLinks(deps, and(eq(datasetLinks.projectId, projectId), inArray(datasetLinks.datasetId, model.datasetIds)));
  const approved = rows.filter((row) => row.linkState === 'approved');
  if (approved.length === 0) {
    const linked = new Map(rows.map((row) => [row.datasetId, `${row.datasetId} (link ${row.linkId} ${row.linkState})`]));
    const list = model.datasetIds.map((datasetId) => linked.get(datasetId) ?? `${datasetId} (no link)`).join(', ');
    throw new ApiError(
      'invalid_state',
      `model ${model.id} has no approved dataset link in project ${projectId}; its datasets are ${list}. Request again any link that was rejected or revoked, ask the data officers of those datasets to approve the links, or create a model on approved links`,
    );
  }
  return approved;
}

/**
 * Loads the requested links and checks that each is an approved link of the project to one of the
 * model's datasets. Unknown ids fail first (404), then links outside the model (422), then links
 * that are not approved (409).
 */
async function loadRequestedLinks(deps: SchedulerDependencies, projectId: string, model: { id: string; datasetIds: string[] }, linkIds: string[]): Promise<LinkRow[]> {
  const rows = await selectLinks(deps, and(eq(datasetLinks.projectId, projectId), inArray(datasetLinks.id, linkIds)));

  const byId = new Map(rows.map((row) => [row.linkId, row]));
  const missing = linkIds.filter((id) => !byId.has(id));
  if (missing.length > 0) throw notFound('dataset link', missing.join(', '));

  const modelDatasets = new Set(model.datasetIds);
  const outsideIds: string[] = [];
  const errors: FieldError[] = [];
  linkIds.forEach((linkId, index) => {
    const row = byId.get(linkId);
    if (row && !modelDatasets.has(row.datasetId)) {
      outsideIds.push(linkId);
      errors.push({ path: `body.datasetLinkIds.${index}`, message: `dataset link ${linkId} is to dataset ${row.datasetId}, which model ${model.id} does not list` });
    }
  });
  if (outsideIds.length > 0) {
    throw new ApiError(
      'unprocessable',
      `dataset link(s) ${outsideIds.join(', ')} lead to datasets outside model ${model.id}, whose spec was checked against and approved for datasets ${model.datasetIds.join(', ')} only; ` +
        'leave those links out, or create a model whose datasetLinkIds include them and have its spec approved',
      { errors },
    );
  }

  const unapproved = rows.filter((row) => row.linkState !== 'approved');
  if (unapproved.length > 0) {
    const list = unapproved.map((row) => `${row.linkId} (${row.linkState})`).join(', ');
    throw new ApiError(
      'invalid_state',
      `dataset link(s) ${list} not approved; request again any that was rejected or revoked, then ask the data officer of the dataset's organization to approve it`,
    );
  }
  return rows;
}

/** Selects the links matching `where`, with their datasets and gateways, ordered by link id. */
function selectLinks(deps: SchedulerDependencies, where: SQL | undefined) {
  return deps.db
    .select({
      linkId: datasetLinks.id,
      linkState: datasetLinks.state,
      datasetId: datasets.id,
      datasetOrganizationId: datasets.organizationId,
      gatewayId: gateways.id,
      gatewayState: gateways.state,
    })
    .from(datasetLinks)
    .innerJoin(datasets, eq(datasets.id, datasetLinks.datasetId))
    .innerJoin(gateways, eq(gateways.id, datasets.gatewayId))
    .where(where)
    .orderBy(datasetLinks.id);
}

/** Checks that every organization whose data takes part approved this exact spec SHA-256. */
async function checkSpecApprovals(deps: SchedulerDependencies, modelId: string, specSha256: string, sites: Site[]): Promise<void> {
  const owners = [...new Set(sites.map((site) => site.datasetOrganizationId))].sort();
  const approvals = await deps.db
    .select({ organizationId: modelApprovals.organizationId })
    .from(modelApprovals)
    .where(
      and(
        eq(modelApprovals.modelId, modelId),
        eq(modelApprovals.specSha256, specSha256),
        eq(modelApprovals.state, 'approved'),
        inArray(modelApprovals.organizationId, owners),
      ),
    );
  const approved = new Set(approvals.map((row) => row.organizationId));
  const missing = owners.filter((owner) => !approved.has(owner));
  if (missing.length > 0) {
    throw new ApiError(
      'invalid_state',
      `model ${modelId} spec ${specSha256} is not approved by organization(s) ${missing.join(', ')}; each data-owning organization must approve this spec before a job can use its data`,
    );
  }
}
