import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { decodeTensors, tensorMapToJson, WeightsFormatError, type JobKind, type TensorMap } from '@onsite/compute';
import type { Executor } from '../../../db/client.js';
import { ID_PREFIXES, idPattern } from '../../../db/ids.js';
import { modelVersions, type ModelArtifact } from '../../../db/schema/index.js';
import { ApiError, notFound } from '../../api/errors/api-error.js';
import { BlobNotFoundError } from '../../blob-store/errors.js';
import type { ModelVersionRow } from '../models/create-model-version.js';
import { getModelVersion } from '../models/read-model-versions.js';
import { getVisibleModel } from '../models/read-models.js';
import type { JobSettingsInput } from './job-settings.js';
import type { SchedulerDependencies } from './scheduler-dependencies.js';

const OPTIONS_PATH = 'body.settings.options';
/** Options that give a predict job its weights inline, instead of by `modelVersionId`. */
const WEIGHT_SOURCES = ['weights', 'coefficients'] as const;

/** The fields of a job request that decide whether and how its options name a model version. */
export interface PredictOptionsInput {
  kind: JobKind;
  modelId: string;
  settings: JobSettingsInput;
}

/**
 * Builds the options a job's computation starts from. A predict job may name a stored version of
 * its model with `options.modelVersionId`. For such a job this function loads the version's
 * safetensors weights, checks them against their stored SHA-256 and returns the options with
 * `weights` set to the tensors as JSON (`modelVersionId` kept). Every other job gets its options
 * unchanged. Callers store the request's options, not these, in the job's settings, so job
 * listings carry the version id and not the weights.
 */
export async function resolveModelVersionWeights(
  deps: SchedulerDependencies,
  scope: { organizationId: string; projectId: string },
  input: PredictOptionsInput,
): Promise<Record<string, unknown>> {
  const options = input.settings.options ?? {};
  if (input.kind !== 'predict' || options.modelVersionId === undefined) return options;

  // The version's weights would replace inline weights, and predict_binary ignores coefficients
  // once weights are set, so a second source is rejected instead of silently dropped.
  const inline = WEIGHT_SOURCES.filter((name) => options[name] !== undefined);
  if (inline.length > 0) {
    const names = ['modelVersionId', ...inline];
    const listed = names.length === 2 ? `both ${names.join(' and ')}` : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
    throw new ApiError('validation_failed', `settings.options sets ${listed}; pass only one of them`, {
      errors: names.map((name) => ({ path: `${OPTIONS_PATH}.${name}`, message: `must be omitted when ${names.filter((other) => other !== name).join(' or ')} is set` })),
    });
  }
  const versionId = readVersionId(options.modelVersionId);

  const version = await findVisibleVersion(deps.db, scope.organizationId, versionId);
  if (version.modelId !== input.modelId) {
    throw new ApiError(
      'unprocessable',
      `model version ${versionId} is a version of model ${version.modelId}, not of the job's model ${input.modelId}; use a version of model ${input.modelId}`,
    );
  }

  // The gateways compile the job's network from the model's current spec, so weights trained
  // under another spec could match its shapes but mean other features.
  const model = await getVisibleModel(deps.db, scope.organizationId, input.modelId);
  if (version.specSha256 !== model.specSha256) {
    throw new ApiError(
      'unprocessable',
      `model version ${versionId} was trained with spec SHA-256 ${version.specSha256}, but model ${model.id} now has spec SHA-256 ${model.specSha256}; use a version trained with the current spec`,
    );
  }

  const artifact = version.artifacts.find((entry) => entry.kind === 'weights');
  if (!artifact) {
    throw new ApiError('unprocessable', `model version ${versionId} has no weights artifact; use a version that a training job stored with weights`);
  }

  const tensors = await readVersionWeights(deps, { ...scope, version, artifact });
  return { ...options, weights: tensorMapToJson(tensors) };
}

function readVersionId(value: unknown): string {
  if (typeof value !== 'string' || !idPattern('modelVersion').test(value)) {
    const prefix = ID_PREFIXES.modelVersion;
    throw new ApiError('validation_failed', `settings.options.modelVersionId is ${JSON.stringify(value)}; use the id of a model version (${prefix}_…)`, {
      errors: [{ path: `${OPTIONS_PATH}.modelVersionId`, message: `must be a ${prefix}_ id` }],
    });
  }
  return value;
}

/**
 * Loads a version with the visibility rule of `models.getVersion`. A version of a model the
 * organization cannot see raises the same 404 as a missing one, without naming its model.
 */
async function findVisibleVersion(db: Executor, organizationId: string, versionId: string): Promise<ModelVersionRow> {
  const [row] = await db.select({ modelId: modelVersions.modelId }).from(modelVersions).where(eq(modelVersions.id, versionId));
  if (!row) throw notFound('model version', versionId);
  try {
    return await getModelVersion(db, organizationId, row.modelId, versionId);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'not_found') throw notFound('model version', versionId);
    throw error;
  }
}

/**
 * Reads and decodes a version's weights. A missing, altered or unreadable blob is a 422 naming the
 * version, because the caller can choose another version but retrying cannot help. Each of these
 * failures is logged as an error, because it means a stored file was lost, altered or written wrong.
 */
async function readVersionWeights(
  deps: SchedulerDependencies,
  source: { organizationId: string; projectId: string; version: ModelVersionRow; artifact: ModelArtifact },
): Promise<TensorMap> {
  const { version, artifact } = source;
  const logFields = {
    organizationId: source.organizationId,
    projectId: source.projectId,
    modelId: version.modelId,
    modelVersionId: version.id,
    key: artifact.key,
  };
  const reportAction = 'use another version and report the problem to the operator with the request id';

  let bytes: Uint8Array;
  try {
    bytes = await deps.blobStore.get(artifact.key);
  } catch (error) {
    if (!(error instanceof BlobNotFoundError)) throw error;
    deps.logger.error({ err: error, ...logFields }, 'model version weights are missing from the blob store');
    throw new ApiError('unprocessable', `the weights file of model version ${version.id} is missing from storage; ${reportAction}`, { cause: error });
  }

  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== artifact.sha256) {
    deps.logger.error({ ...logFields, expectedSha256: artifact.sha256, actualSha256: sha256 }, 'model version weights do not match their stored SHA-256');
    throw new ApiError(
      'unprocessable',
      `the weights file of model version ${version.id} is corrupted: its SHA-256 does not match the one stored with the version; ${reportAction}`,
    );
  }

  try {
    return decodeTensors(bytes).tensors;
  } catch (error) {
    if (!(error instanceof WeightsFormatError)) throw error;
    deps.logger.error({ err: error, ...logFields }, 'model version weights are not a valid safetensors file');
    throw new ApiError('unprocessable', `the weights file of model version ${version.id} is not a valid safetensors file; ${reportAction}`, { cause: error });
  }
}
