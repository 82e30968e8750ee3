import { eq } from 'drizzle-orm';
import {
  decodeTensors,
  encodeTensorsWithHash,
  getComputation,
  normaliseModelSpec,
  tensorMapFromJson,
  tensorMapToJson,
  type ModelSpecInput,
  type TensorMap,
  type TensorMapJson,
} from '@onsite/compute';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newId } from '../../db/ids.js';
import { jobs, models, rounds } from '../../db/schema/index.js';
import { createModelVersion, type ModelVersionRow } from '../../functions/services/models/create-model-version.js';
import { databaseTargets } from '../support/database.js';
import { seedProject, startJobsApi, type JobsApi, type SeededProject } from './support/job-fixtures.js';

/** Tumour grade from three covariates: 3 inputs, 4 hidden units, a softmax over 3 classes. */
const GRADE_SPEC: ModelSpecInput = {
  family: 'mlp_classifier',
  outcome: { kind: 'multiclass', column: 'tgrade', levels: ['I', 'II', 'III'] },
  features: [
    { column: 'age', encoding: 'numeric', center: 53, scale: 10 },
    { column: 'tsize', encoding: 'numeric', center: 29, scale: 14 },
    { column: 'pnodes', encoding: 'numeric', center: 5, scale: 5.5 },
  ],
  hyperparameters: { hiddenLayers: [4] },
};

const RELAPSE_SPEC: ModelSpecInput = {
  family: 'logistic_regression',
  outcome: { kind: 'binary', column: 'cens', positive: 1 },
  features: [{ column: 'age', encoding: 'numeric', center: 53, scale: 10 }],
};

interface JobBody {
  id: string;
  settings: { options: Record<string, unknown> };
}

interface ProblemBody {
  code: string;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}

/** Seeded network weights of a spec, as the FedAvg computation starts training from them. */
function initialNetworkWeights(spec: ModelSpecInput): TensorMap {
  const state = getComputation('mlp_fedavg').initialState(normaliseModelSpec(spec).spec, { maxRounds: 2, options: {} }) as { weights: TensorMapJson };
  return tensorMapFromJson(state.weights);
}

describe.each(databaseTargets())('predict jobs from a model version on %s', (target) => {
  let api: JobsApi;

  beforeAll(async () => {
    api = await startJobsApi(target, { predict_binary: getComputation('predict_binary'), predict_multiclass: getComputation('predict_multiclass') });
  });

  afterAll(async () => {
    await api.close();
  });

  /** Stores tensors as a version of the model, the way the aggregator stores a training round's weights. */
  async function storeVersion(project: SeededProject, tensors: TensorMap, modelId = project.modelId, specSha256 = project.specSha256): Promise<ModelVersionRow> {
    const { bytes, sha256 } = encodeTensorsWithHash(tensors, { specSha256 });
    const key = `${project.partnerId}/jobs/${newId('job')}/rounds/1/model.safetensors`;
    await api.runtime.deps.blobStore.put(key, bytes);
    return createModelVersion(api.runtime.deps.db, {
      organizationId: project.partnerId,
      modelId,
      specSha256,
      artifacts: [{ key, sha256, size: bytes.byteLength, kind: 'weights' }],
      lineage: {},
      metrics: {},
      actor: { type: 'system', id: 'test' },
    });
  }

  function createPredictJob(project: SeededProject, body: Record<string, unknown>, token = project.scientistSecret) {
    return api.json<JobBody & ProblemBody>('POST', `/v1/projects/${project.projectId}/jobs`, {
      token,
      body: { kind: 'predict', computation: 'predict_multiclass', modelId: project.modelId, ...body },
    });
  }

  async function jobCount(project: SeededProject): Promise<number> {
    return (await api.runtime.deps.db.select().from(jobs).where(eq(jobs.projectId, project.projectId))).length;
  }

  it('resolves modelVersionId to version weights', async () => {
    const project = await seedProject(api, { label: 'version weights', spec: GRADE_SPEC });
    const version = await storeVersion(project, initialNetworkWeights(GRADE_SPEC));
    const blob = await api.runtime.deps.blobStore.get(version.artifacts[0]!.key);
    const expected = tensorMapToJson(decodeTensors(blob).tensors);

    const response = await createPredictJob(project, { settings: { options: { modelVersionId: version.id } } });

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const [job] = await api.runtime.deps.db.select().from(jobs).where(eq(jobs.id, response.body.id));
    expect((job?.serverState as { weights: TensorMapJson }).weights).toEqual(expected);
    const [round] = await api.runtime.deps.db.select().from(rounds).where(eq(rounds.jobId, response.body.id));
    const sent = decodeTensors(await api.runtime.deps.blobStore.get(round?.globalTensorsKey ?? '')).tensors;
    expect(tensorMapToJson(sent), 'the round sends the version weights to the gateways').toEqual(expected);
  });

  it('stores the version id, not weights', async () => {
    const project = await seedProject(api, { label: 'small settings', spec: GRADE_SPEC });
    const version = await storeVersion(project, initialNetworkWeights(GRADE_SPEC));

    const response = await createPredictJob(project, { settings: { options: { modelVersionId: version.id } } });
    const listed = await api.json<{ items: JobBody[] }>('GET', `/v1/projects/${project.projectId}/jobs`, { token: project.scientistSecret });

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.settings.options).toEqual({ modelVersionId: version.id });
    const [job] = await api.runtime.deps.db.select().from(jobs).where(eq(jobs.id, response.body.id));
    expect(job?.settings.options).toEqual({ modelVersionId: version.id });
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.items.map((item) => item.settings.options)).toEqual([{ modelVersionId: version.id }]);
  });

  it('keeps the predict_binary threshold', async () => {
    const project = await seedProject(api, { label: 'binary threshold', spec: RELAPSE_SPEC });
    const scored = getComputation('predict_binary').initialState(normaliseModelSpec(RELAPSE_SPEC).spec, {
      maxRounds: 1,
      options: { coefficients: { '(Intercept)': -0.4, age: 0.25 } },
    }) as { weights: TensorMapJson };
    const version = await storeVersion(project, tensorMapFromJson(scored.weights));

    const response = await createPredictJob(project, { computation: 'predict_binary', settings: { options: { modelVersionId: version.id, threshold: 0.3 } } });

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const [job] = await api.runtime.deps.db.select().from(jobs).where(eq(jobs.id, response.body.id));
    expect(job?.serverState).toMatchObject({ threshold: 0.3, weights: scored.weights });
    expect(job?.settings.options).toEqual({ modelVersionId: version.id, threshold: 0.3 });
  });

  it('ignores modelVersionId outside predict jobs', async () => {
    const project = await seedProject(api, { label: 'analytics options' });
    const unknownVersionId = newId('modelVersion');

    const response = await api.json<JobBody>('POST', `/v1/projects/${project.projectId}/jobs`, {
      token: project.scientistSecret,
      body: { kind: 'analytics', computation: 'descriptive', modelId: project.modelId, settings: { options: { modelVersionId: unknownVersionId } } },
    });

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.settings.options).toEqual({ modelVersionId: unknownVersionId });
  });

  it('rejects an unknown version with 404', async () => {
    const project = await seedProject(api, { label: 'unknown version', spec: GRADE_SPEC });
    const unknownVersionId = newId('modelVersion');

    const response = await createPredictJob(project, { settings: { options: { modelVersionId: unknownVersionId } } });

    expect(response.status, JSON.stringify(response.body)).toBe(404);
    expect(response.body.detail).toBe(`model version ${unknownVersionId} was not found; check the id and that your organization can see it`);
    expect(await jobCount(project)).toBe(0);
  });

  it("rejects another tenant's version with 404", async () => {
    const project = await seedProject(api, { label: 'own project', spec: GRADE_SPEC });
    const stranger = await seedProject(api, { label: 'stranger project', spec: GRADE_SPEC });
    const strangerVersion = await storeVersion(stranger, initialNetworkWeights(GRADE_SPEC));

    const response = await createPredictJob(project, { settings: { options: { modelVersionId: strangerVersion.id } } });

    expect(response.status, JSON.stringify(response.body)).toBe(404);
    expect(response.body.detail).toContain(`model version ${strangerVersion.id} was not found`);
    expect(response.body.detail, 'the problem must not name the other tenant\'s model').not.toContain(stranger.modelId);
    expect(await jobCount(project)).toBe(0);
  });

  it('rejects a version of another model with 422', async () => {
    const project = await seedProject(api, { label: 'other model', spec: GRADE_SPEC });
    const otherModelId = newId('model');
    const [jobModel] = await api.runtime.deps.db.select().from(models).where(eq(models.id, project.modelId));
    await api.runtime.deps.db.insert(models).values({ ...jobModel!, id: otherModelId, name: 'tumour grade, second model' });
    const otherVersion = await storeVersion(project, initialNetworkWeights(GRADE_SPEC), otherModelId);

    const response = await createPredictJob(project, { settings: { options: { modelVersionId: otherVersion.id } } });

    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.body.detail).toBe(
      `model version ${otherVersion.id} is a version of model ${otherModelId}, not of the job's model ${project.modelId}; use a version of model ${project.modelId}`,
    );
    expect(await jobCount(project)).toBe(0);
  });

  it('rejects a version trained with an older spec with 422', async () => {
    const project = await seedProject(api, { label: 'older spec', spec: GRADE_SPEC });
    const olderSpecSha256 = 'a'.repeat(64);
    const version = await storeVersion(project, initialNetworkWeights(GRADE_SPEC), project.modelId, olderSpecSha256);

    const response = await createPredictJob(project, { settings: { options: { modelVersionId: version.id } } });

    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.body.detail).toContain(`model version ${version.id} was trained with spec SHA-256 ${olderSpecSha256}`);
    expect(response.body.detail).toContain('use a version trained with the current spec');
    expect(await jobCount(project)).toBe(0);
  });

  it.each([
    ['weights', { weights: {} }, 'settings.options sets both modelVersionId and weights; pass only one of them', ['modelVersionId', 'weights']],
    ['coefficients', { coefficients: { '(Intercept)': 0 } }, 'settings.options sets both modelVersionId and coefficients; pass only one of them', ['modelVersionId', 'coefficients']],
    [
      'weights and coefficients',
      { weights: {}, coefficients: {} },
      'settings.options sets modelVersionId, weights and coefficients; pass only one of them',
      ['modelVersionId', 'weights', 'coefficients'],
    ],
  ])('rejects modelVersionId with %s with 400', async (_name, inline, detail, fields) => {
    const project = await seedProject(api, { label: 'two sources', spec: GRADE_SPEC });
    const version = await storeVersion(project, initialNetworkWeights(GRADE_SPEC));

    const response = await createPredictJob(project, { settings: { options: { modelVersionId: version.id, ...inline } } });

    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.code).toBe('validation_failed');
    expect(response.body.detail).toBe(detail);
    expect(response.body.errors?.map((error) => error.path)).toEqual(fields.map((field) => `body.settings.options.${field}`));
    expect(await jobCount(project)).toBe(0);
  });

  it.each([
    ['a number', 42],
    ['an id of another kind', newId('model')],
  ])('rejects a modelVersionId that is %s with 400', async (_name, modelVersionId) => {
    const project = await seedProject(api, { label: 'malformed id', spec: GRADE_SPEC });

    const response = await createPredictJob(project, { settings: { options: { modelVersionId } } });

    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.errors).toEqual([{ path: 'body.settings.options.modelVersionId', message: 'must be a mdv_ id' }]);
    expect(await jobCount(project)).toBe(0);
  });

  it('rejects and logs a corrupted weights file', async () => {
    const project = await seedProject(api, { label: 'corrupted blob', spec: GRADE_SPEC });
    const version = await storeVersion(project, initialNetworkWeights(GRADE_SPEC));
    const key = version.artifacts[0]!.key;
    const bytes = await api.runtime.deps.blobStore.get(key);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await api.runtime.deps.blobStore.put(key, bytes);
    const logError = vi.spyOn(api.runtime.deps.logger, 'error');

    try {
      const response = await createPredictJob(project, { settings: { options: { modelVersionId: version.id } } });

      expect(response.status, JSON.stringify(response.body)).toBe(422);
      expect(response.body.code).toBe('unprocessable');
      expect(response.body.detail).toContain(`the weights file of model version ${version.id} is corrupted`);
      expect(response.body.detail, 'the problem must not reveal the storage key').not.toContain(key);
      expect(logError).toHaveBeenCalledWith(
        expect.objectContaining({ modelVersionId: version.id, key, expectedSha256: version.artifacts[0]!.sha256 }),
        'model version weights do not match their stored SHA-256',
      );
      expect(await jobCount(project)).toBe(0);
    } finally {
      logError.mockRestore();
    }
  });

  it('rejects a missing weights file with 422', async () => {
    const project = await seedProject(api, { label: 'missing blob', spec: GRADE_SPEC });
    const version = await storeVersion(project, initialNetworkWeights(GRADE_SPEC));
    await api.runtime.deps.blobStore.delete(version.artifacts[0]!.key);

    const response = await createPredictJob(project, { settings: { options: { modelVersionId: version.id } } });

    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.body.detail).toContain(`the weights file of model version ${version.id} is missing from storage`);
    expect(await jobCount(project)).toBe(0);
  });

  it('rejects version weights of wrong shape', async () => {
    const project = await seedProject(api, { label: 'wrong shapes', spec: GRADE_SPEC });
    const version = await storeVersion(project, { 'layer0.weight': { dtype: 'F32', shape: [1], data: Float32Array.of(0.5) } });

    const response = await createPredictJob(project, { settings: { options: { modelVersionId: version.id } } });

    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.detail).toContain('computation predict_multiclass rejected the options');
    expect(await jobCount(project)).toBe(0);
  });
});
