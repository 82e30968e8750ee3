import { generateKeyPairSync } from 'node:crypto';
import { getTableName, is, sql } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../db/client.js';
import { TEST_OPERATOR_TOKEN, startTestApi, type TestApi } from '../support/api-harness.js';
import { databaseTargets } from '../support/database.js';

/** Ids and credentials the cases build their requests from. */
interface Seed {
  ownerSecret: string;
  gatewayCredential: string;
  partnerId: string;
  partnershipId: string;
  projectId: string;
}

/**
 * A route that takes a JSON body. Every target gets the same bad-body cases: malformed JSON, an
 * unknown field, wrong types, oversize, other content types and an empty body. To cover a new
 * route, add a target.
 */
interface BodyTarget {
  operationId: string;
  method: 'POST' | 'PATCH';
  path: (seed: Seed) => string;
  token: (seed: Seed) => string;
  validBody: (seed: Seed) => Record<string, unknown>;
  /** Fields set to values of the wrong type, and the error paths they must produce. */
  wrongTypes: Record<string, unknown>;
  wrongTypePaths: string[];
}

const BODY_TARGETS: BodyTarget[] = [
  {
    operationId: 'organizations.create',
    method: 'POST',
    path: () => '/v1/organizations',
    token: () => TEST_OPERATOR_TOKEN,
    validBody: () => ({ name: 'Bad input clinic', kind: 'hospital' }),
    wrongTypes: { name: 42, kind: true },
    wrongTypePaths: ['body.name', 'body.kind'],
  },
  {
    operationId: 'organizations.updateCurrent',
    method: 'PATCH',
    path: () => '/v1/organization',
    token: (seed) => seed.ownerSecret,
    validBody: () => ({ name: 'Renamed' }),
    wrongTypes: { name: ['Renamed'] },
    wrongTypePaths: ['body.name'],
  },
  {
    operationId: 'apiKeys.create',
    method: 'POST',
    path: () => '/v1/api-keys',
    token: (seed) => seed.ownerSecret,
    validBody: () => ({ name: 'scientist', role: 'data_scientist' }),
    wrongTypes: { name: 7, role: 'root' },
    wrongTypePaths: ['body.name', 'body.role'],
  },
  {
    operationId: 'partnerships.create',
    method: 'POST',
    path: () => '/v1/partnerships',
    token: (seed) => seed.ownerSecret,
    validBody: (seed) => ({ purpose: 'Study', endsOn: '2099-01-01', invitedOrganizationIds: [seed.partnerId] }),
    wrongTypes: { purpose: 5, endsOn: 20990101, invitedOrganizationIds: 'org' },
    wrongTypePaths: ['body.purpose', 'body.endsOn', 'body.invitedOrganizationIds'],
  },
  {
    operationId: 'projects.create',
    method: 'POST',
    path: (seed) => `/v1/partnerships/${seed.partnershipId}/projects`,
    token: (seed) => seed.ownerSecret,
    validBody: () => ({ name: 'Relapse risk' }),
    wrongTypes: { name: null, description: 7 },
    wrongTypePaths: ['body.name', 'body.description'],
  },
  {
    operationId: 'projects.update',
    method: 'PATCH',
    path: (seed) => `/v1/projects/${seed.projectId}`,
    token: (seed) => seed.ownerSecret,
    validBody: () => ({ name: 'Renamed project' }),
    wrongTypes: { name: false },
    wrongTypePaths: ['body.name'],
  },
  {
    operationId: 'gateways.create',
    method: 'POST',
    path: () => '/v1/gateways',
    token: (seed) => seed.ownerSecret,
    validBody: () => ({ name: 'Second site' }),
    wrongTypes: { name: 3, enrolmentTtlMinutes: 'soon' },
    wrongTypePaths: ['body.name', 'body.enrolmentTtlMinutes'],
  },
  {
    operationId: 'gateways.heartbeat',
    method: 'POST',
    path: () => '/v1/gateway/heartbeat',
    token: (seed) => seed.gatewayCredential,
    validBody: () => ({ version: '0.1.1' }),
    wrongTypes: { version: 1 },
    wrongTypePaths: ['body.version'],
  },
  {
    operationId: 'models.create',
    method: 'POST',
    path: (seed) => `/v1/projects/${seed.projectId}/models`,
    token: (seed) => seed.ownerSecret,
    validBody: () => ({ name: 'Relapse curves', spec: { family: 'kaplan_meier', outcome: { kind: 'survival', time: 'time', event: 'cens' } } }),
    wrongTypes: { name: 42, spec: 'cox_ph', datasetLinkIds: 'dsl' },
    wrongTypePaths: ['body.name', 'body.spec', 'body.datasetLinkIds'],
  },
  {
    operationId: 'models.update',
    method: 'PATCH',
    path: () => `/v1/models/mdl_${'a'.repeat(32)}`,
    token: (seed) => seed.ownerSecret,
    validBody: () => ({ name: 'Renamed model' }),
    wrongTypes: { name: [], spec: 7 },
    wrongTypePaths: ['body.name', 'body.spec'],
  },
  {
    operationId: 'models.approve',
    method: 'POST',
    path: () => `/v1/models/mdl_${'a'.repeat(32)}/approvals`,
    token: (seed) => seed.ownerSecret,
    validBody: () => ({ specSha256: 'a'.repeat(64) }),
    wrongTypes: { specSha256: 64 },
    wrongTypePaths: ['body.specSha256'],
  },
];

/** One bad request and the problem it must produce. */
interface BadInputCase {
  name: string;
  method: string;
  path: (seed: Seed) => string;
  token: (seed: Seed) => string;
  /** Sent as is when a string; a `content-type` of undefined sends no header. */
  body?: (seed: Seed) => string;
  contentType?: string;
  status: number;
  code: string;
  /** Error paths the problem must name; a trailing `*` accepts any path with that prefix. */
  errorPaths: string[];
  /** When set, the problem's whole `errors[]`, in any order: each path with its exact message. */
  errors?: Array<{ path: string; message: string }>;
}

const MAX_REQUEST_BYTES = 1024 * 1024;

function bodyCases(target: BodyTarget): BadInputCase[] {
  const common = { method: target.method, path: target.path, token: target.token };
  return [
    {
      ...common,
      name: `${target.operationId} with malformed JSON`,
      body: (seed) => JSON.stringify(target.validBody(seed)).slice(0, -1),
      contentType: 'application/json',
      status: 400,
      code: 'malformed_request',
      errorPaths: ['body'],
    },
    {
      ...common,
      name: `${target.operationId} with an unknown field`,
      body: (seed) => JSON.stringify({ ...target.validBody(seed), rows: [[1, 2, 3]] }),
      contentType: 'application/json',
      status: 400,
      code: 'validation_failed',
      errorPaths: ['body.rows'],
    },
    {
      ...common,
      name: `${target.operationId} with wrong types`,
      body: (seed) => JSON.stringify({ ...target.validBody(seed), ...target.wrongTypes }),
      contentType: 'application/json',
      status: 400,
      code: 'validation_failed',
      errorPaths: target.wrongTypePaths,
    },
    {
      ...common,
      name: `${target.operationId} with a body over 1 MiB`,
      body: (seed) => JSON.stringify({ ...target.validBody(seed), padding: 'x'.repeat(MAX_REQUEST_BYTES) }),
      contentType: 'application/json',
      status: 413,
      code: 'payload_too_large',
      errorPaths: ['body'],
    },
    {
      ...common,
      name: `${target.operationId} with a text/plain body`,
      body: (seed) => JSON.stringify(target.validBody(seed)),
      contentType: 'text/plain',
      status: 415,
      code: 'unsupported_media_type',
      errorPaths: ['header.content-type'],
    },
    {
      ...common,
      name: `${target.operationId} with a form body`,
      body: () => 'name=x',
      contentType: 'application/x-www-form-urlencoded',
      status: 415,
      code: 'unsupported_media_type',
      errorPaths: ['header.content-type'],
    },
    {
      ...common,
      name: `${target.operationId} with an empty JSON body`,
      body: () => '',
      contentType: 'application/json',
      status: 400,
      code: 'malformed_request',
      errorPaths: ['body'],
    },
    {
      ...common,
      name: `${target.operationId} with a JSON array body`,
      body: (seed) => JSON.stringify([target.validBody(seed)]),
      contentType: 'application/json',
      status: 400,
      code: 'validation_failed',
      errorPaths: ['body'],
    },
  ];
}

const owner = (seed: Seed) => seed.ownerSecret;

/** Malformed path ids and query parameters: each must be a 400 naming the parameter. */
const PARAMETER_CASES: BadInputCase[] = [
  ['GET', '/v1/partnerships/ptn_short', 'param.partnershipId'],
  ['GET', `/v1/partnerships/prj_${'a'.repeat(32)}`, 'param.partnershipId'],
  ['POST', `/v1/partnerships/PTN_${'A'.repeat(32)}/accept`, 'param.partnershipId'],
  ['POST', `/v1/partnerships/ptn_${'a'.repeat(33)}/end`, 'param.partnershipId'],
  ['GET', '/v1/projects/not-an-id', 'param.projectId'],
  ['PATCH', `/v1/projects/prj_${'1'.repeat(32)}`, 'param.projectId'],
  ['POST', '/v1/api-keys/key_%27%3B--/revoke', 'param.apiKeyId'],
  ['GET', '/v1/gateways/gtw_', 'param.gatewayId'],
  ['GET', '/v1/partnerships?limit=0', 'query.limit'],
  ['GET', '/v1/partnerships?limit=abc', 'query.limit'],
  ['GET', '/v1/partnerships?state=paused', 'query.state'],
  ['GET', '/v1/partnerships?sort=name', 'query.sort'],
  ['GET', '/v1/partnerships?cursor=not-a-cursor', 'query.cursor'],
  ['GET', '/v1/projects?partnershipId=ptn_x', 'query.partnershipId'],
  ['GET', '/v1/projects?state=archived', 'query.state'],
  ['GET', '/v1/api-keys?limit=100000', 'query.limit'],
  ['GET', '/v1/audit-events?cursor=W10', 'query.cursor'],
  ['GET', '/v1/projects/prj_x/models', 'param.projectId'],
  ['GET', '/v1/models/mdl_short', 'param.modelId'],
  ['PATCH', `/v1/models/dst_${'a'.repeat(32)}`, 'param.modelId'],
  ['POST', `/v1/models/mdl_${'a'.repeat(32)}/approvals/mda_x/revoke`, 'param.modelApprovalId'],
  ['GET', `/v1/models/mdl_${'a'.repeat(32)}/versions/mdv_`, 'param.modelVersionId'],
  ['GET', `/v1/models/mdl_${'a'.repeat(32)}/versions?limit=201`, 'query.limit'],
].map(([method, path, errorPath]) => ({
  name: `${method} ${path}`,
  method: method as string,
  path: () => path as string,
  token: owner,
  // A PATCH needs a valid body so that only the path is wrong.
  ...(method === 'PATCH' ? { body: () => JSON.stringify({ name: 'valid' }), contentType: 'application/json' } : {}),
  status: 400,
  code: 'validation_failed',
  errorPaths: [errorPath as string],
}));

/** Bodies that are absent or empty on routes that require one. */
const MISSING_BODY_CASES: BadInputCase[] = [
  { name: 'partnerships.create without a body', method: 'POST', path: () => '/v1/partnerships', token: owner, status: 400, code: 'validation_failed', errorPaths: ['body.*'] },
  {
    name: 'projects.create with an empty object',
    method: 'POST',
    path: (seed) => `/v1/partnerships/${seed.partnershipId}/projects`,
    token: owner,
    body: () => '{}',
    contentType: 'application/json',
    status: 400,
    code: 'validation_failed',
    errorPaths: ['body.name'],
  },
  {
    name: 'projects.update with an empty object',
    method: 'PATCH',
    path: (seed) => `/v1/projects/${seed.projectId}`,
    token: owner,
    body: () => '{}',
    contentType: 'application/json',
    status: 400,
    code: 'validation_failed',
    errorPaths: ['body'],
  },
];

const JOB_KINDS_LISTED = '"analytics", "train", "evaluate", "predict"';
const MODEL_FAMILIES_LISTED = '"kaplan_meier", "cox_ph", "logistic_regression", "mlp_classifier", "cnn_classifier", "onnx_model"';

const validJob = { kind: 'train', computation: 'kaplan_meier', modelId: `mdl_${'a'.repeat(32)}` };
const survivalOutcome = { kind: 'survival', time: 'time', event: 'cens' };
const binaryOutcome = { kind: 'binary', column: 'relapse', positive: 1 };
const ageFeature = { column: 'age', encoding: 'numeric' };

/** Bodies that pass validation except for one field. */
const jobBody = (changes: Record<string, unknown>) => () => JSON.stringify({ ...validJob, ...changes });
const modelBody = (spec: unknown) => () => JSON.stringify(spec === undefined ? { name: 'Relapse model' } : { name: 'Relapse model', spec });

/**
 * Required fields left out, one of each type, and enum or discriminator values that are not
 * allowed. Each case checks the exact message: a missing field reads as missing and names what to
 * send, and a wrong value names the value sent and the allowed ones.
 */
const FIELD_MESSAGE_CASES: BadInputCase[] = [
  ['jobs.create without kind', jobBody({ kind: undefined }), 'body.kind', `missing; this field is required (one of ${JOB_KINDS_LISTED})`],
  ['jobs.create with an unknown kind', jobBody({ kind: 'infer' }), 'body.kind', 'Invalid option: expected one of "analytics"|"train"|"evaluate"|"predict", received "infer"'],
  ['jobs.create with a numeric kind', jobBody({ kind: 2 }), 'body.kind', 'Invalid option: expected one of "analytics"|"train"|"evaluate"|"predict", received 2'],
  [
    'jobs.create without computation',
    jobBody({ computation: undefined }),
    'body.computation',
    'missing; this field is required (one of "descriptive", "kaplan_meier", "cox_newton", "logistic_newton", "logistic_fedavg", "mlp_fedavg", "evaluate_binary", "predict_binary", "predict_multiclass")',
  ],
  ['jobs.create without modelId', jobBody({ modelId: undefined }), 'body.modelId', 'missing; this field is required (string)'],
  ['models.create without spec', modelBody(undefined), 'body.spec', 'missing; this field is required (object)'],
  ['models.create with a spec without family', modelBody({ outcome: survivalOutcome }), 'body.spec.family', `missing; this field is required (one of ${MODEL_FAMILIES_LISTED})`],
  [
    'models.create with an unknown family',
    modelBody({ family: 'svm', outcome: survivalOutcome }),
    'body.spec.family',
    "Invalid discriminator value. Expected 'kaplan_meier' | 'cox_ph' | 'logistic_regression' | 'mlp_classifier' | 'cnn_classifier' | 'onnx_model', received \"svm\"",
  ],
  ['models.create without an outcome', modelBody({ family: 'kaplan_meier' }), 'body.spec.outcome', 'missing; this field is required (object)'],
  [
    'models.create with a survival outcome without kind',
    modelBody({ family: 'kaplan_meier', outcome: { time: 'time', event: 'cens' } }),
    'body.spec.outcome.kind',
    'missing; this field is required ("survival")',
  ],
  [
    'models.create with a classifier outcome without kind',
    modelBody({ family: 'mlp_classifier', outcome: { column: 'relapse', positive: 1 }, features: [ageFeature], hyperparameters: { hiddenLayers: [8] } }),
    'body.spec.outcome.kind',
    'missing; this field is required (one of "binary", "multiclass")',
  ],
  [
    'models.create with a feature without encoding',
    modelBody({ family: 'cox_ph', outcome: survivalOutcome, features: [{ column: 'age' }] }),
    'body.spec.features.0.encoding',
    'missing; this field is required (one of "numeric", "categorical")',
  ],
  ['models.create without features', modelBody({ family: 'cox_ph', outcome: survivalOutcome }), 'body.spec.features', 'missing; this field is required (array)'],
  [
    'models.create without imageSize',
    modelBody({ family: 'cnn_classifier', outcome: binaryOutcome, hyperparameters: { channels: [8] } }),
    'body.spec.hyperparameters.imageSize',
    'missing; this field is required (number)',
  ],
  [
    'models.create without hyperparameters',
    modelBody({ family: 'mlp_classifier', outcome: binaryOutcome, features: [ageFeature] }),
    'body.spec.hyperparameters',
    'missing; this field is required (object)',
  ],
  [
    'models.create without a positive class',
    modelBody({ family: 'logistic_regression', outcome: { kind: 'binary', column: 'relapse' }, features: [ageFeature] }),
    'body.spec.outcome.positive',
    'missing; this field is required (string or number)',
  ],
].map(([name, body, errorPath, message]) => {
  const operationId = (name as string).split(' ')[0];
  return {
    name: name as string,
    method: 'POST',
    path: operationId === 'jobs.create' ? (seed: Seed) => `/v1/projects/${seed.projectId}/jobs` : (seed: Seed) => `/v1/projects/${seed.projectId}/models`,
    token: owner,
    body: body as () => string,
    contentType: 'application/json',
    status: 400,
    code: 'validation_failed',
    errorPaths: [errorPath as string],
    errors: [{ path: errorPath as string, message: message as string }],
  };
});

const CASES: BadInputCase[] = [...BODY_TARGETS.flatMap(bodyCases), ...PARAMETER_CASES, ...MISSING_BODY_CASES, ...FIELD_MESSAGE_CASES];

describe.each(databaseTargets())('bad input on %s', (target) => {
  let api: TestApi;
  let seed: Seed;

  beforeAll(async () => {
    api = await startTestApi(target);
    seed = await seedHospitalAndPartner(api);
  });

  afterAll(async () => {
    await api.close();
  });

  /** Rows per table: a rejected request must leave every count, the audit chains included, unchanged. */
  async function countRows(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of Object.values(schema)) {
      if (!is(table, PgTable)) continue;
      const [row] = await api.database.db.select({ count: sql<number>`count(*)::int` }).from(table);
      counts[getTableName(table)] = row?.count ?? -1;
    }
    return counts;
  }

  it.each(CASES.map((testCase) => [testCase.name, testCase] as const))('rejects %s', async (_name, testCase) => {
    const before = await countRows();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['organizations', 'api_keys', 'audit_events', 'partnerships', 'projects', 'idempotency_records']));

    const headers: Record<string, string> = { authorization: `Bearer ${testCase.token(seed)}` };
    if (testCase.contentType) headers['content-type'] = testCase.contentType;
    const body = testCase.body?.(seed);
    const response = await api.runtime.app.request(testCase.path(seed), { method: testCase.method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    const context = `${testCase.method} ${testCase.path(seed)} returned ${response.status}: ${text.slice(0, 2000)}`;

    expect(response.status, context).toBe(testCase.status);
    expect(response.headers.get('content-type'), context).toContain('application/problem+json');
    const problem = JSON.parse(text) as { code: string; requestId: string; errors?: Array<{ path: string; message: string }> };
    expect(problem.code, context).toBe(testCase.code);
    expect(problem.requestId, context).toBe(response.headers.get('x-request-id'));

    const paths = (problem.errors ?? []).map((error) => error.path);
    for (const expected of testCase.errorPaths) {
      const matches = expected.endsWith('*') ? paths.some((path) => path.startsWith(expected.slice(0, -1))) : paths.includes(expected);
      expect(matches, `${context}\nexpected an error at ${expected}`).toBe(true);
    }
    if (testCase.errors) {
      const byPath = (left: { path: string }, right: { path: string }) => left.path.localeCompare(right.path);
      expect([...(problem.errors ?? [])].sort(byPath), context).toEqual([...testCase.errors].sort(byPath));
    }

    expect(await countRows(), context).toEqual(before);
  });
});

async function seedHospitalAndPartner(api: TestApi): Promise<Seed> {
  const hospital = await api.createOrganization('Bad input hospital', 'hospital');
  const partner = await api.createOrganization('Bad input partner', 'company');

  const proposed = await api.request('POST', '/v1/partnerships', {
    token: partner.ownerSecret,
    body: { purpose: 'Bad input study', endsOn: '2099-01-01', invitedOrganizationIds: [hospital.id] },
  });
  const partnershipId = ((await proposed.json()) as { id: string }).id;
  await api.request('POST', `/v1/partnerships/${partnershipId}/accept`, { token: hospital.ownerSecret });
  const project = await api.request('POST', `/v1/partnerships/${partnershipId}/projects`, { token: hospital.ownerSecret, body: { name: 'Bad input project' } });
  const projectId = ((await project.json()) as { id: string }).id;

  const created = await api.request('POST', '/v1/gateways', { token: hospital.ownerSecret, body: { name: 'Bad input gateway' } });
  const { enrolment } = (await created.json()) as { enrolment: { token: string } };
  const publicKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const enrolled = await api.request('POST', '/v1/gateways/enroll', { body: { token: enrolment.token, publicKey, version: '0.1.0' } });
  const { credential } = (await enrolled.json()) as { credential: string };
  if (!credential || !projectId) throw new Error('seeding the bad-input suite failed; run the gateways and projects suites for the cause');

  return { ownerSecret: hospital.ownerSecret, gatewayCredential: credential, partnerId: partner.id, partnershipId, projectId };
}
