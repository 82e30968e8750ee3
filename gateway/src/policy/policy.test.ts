import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ensureStateDir, statePaths } from '../state/state-dir.js';
import { modelSpecSchema } from '@onsite/compute';

import { checkTask, describeTask, type TaskDescription } from './check-task.js';
import { summarizeDatasetForRelease } from './dataset-summary.js';
import { applyCellPolicy, checkUpdateNorm, isSmallCell, releaseEventTime } from './disclosure.js';
import {
  applyPolicyAssignments,
  DEFAULT_SITE_POLICY,
  readSitePolicy,
  sitePolicySchema,
  writeSitePolicy,
  type SitePolicy,
} from './site-policy.js';

const policy = (overrides: Partial<SitePolicy> = {}): SitePolicy =>
  sitePolicySchema.parse({ ...DEFAULT_SITE_POLICY, allowedProjects: ['prj_a'], ...overrides });

const task = (overrides: Partial<TaskDescription> = {}): TaskDescription => ({
  projectId: 'prj_a',
  modelFamily: 'cox_ph',
  columns: ['age', 'time', 'cens'],
  round: 1,
  cohortSize: 229,
  ...overrides,
});

describe('default site policy', () => {
  it('uses the documented defaults', () => {
    expect(DEFAULT_SITE_POLICY).toEqual({
      allowedProjects: [],
      allowedModelFamilies: 'all',
      allowedColumns: 'all',
      minCohortSize: 10,
      minCellSize: 10,
      smallCellAction: 'suppress',
      releaseExactEventTimes: false,
      releaseExactScores: false,
      eventTimeBinDays: 30,
      maxRoundsPerJob: 100,
      roundCountsTo: 1,
    });
  });
});

describe('checkTask', () => {
  it('allows a task within every rule', () => {
    expect(checkTask(policy(), task())).toEqual({ allowed: true });
  });

  it('allows any project when the policy says all', () => {
    expect(checkTask(policy({ allowedProjects: 'all' }), task({ projectId: 'prj_z' }))).toEqual({ allowed: true });
  });

  it('allows a cohort exactly at the minimum', () => {
    expect(checkTask(policy(), task({ cohortSize: 10 }))).toEqual({ allowed: true });
  });

  it.each([
    {
      case: 'a project not listed',
      policy: policy(),
      task: task({ projectId: 'prj_b' }),
      code: 'project_not_allowed',
      reason: "project prj_b is not in the site policy's allowedProjects",
    },
    {
      case: 'any project under the default policy',
      policy: DEFAULT_SITE_POLICY,
      task: task(),
      code: 'project_not_allowed',
      reason: 'project prj_a is not in',
    },
    {
      case: 'a model family not listed',
      policy: policy({ allowedModelFamilies: ['kaplan_meier'] }),
      task: task(),
      code: 'model_family_not_allowed',
      reason: "model family cox_ph is not in the site policy's allowedModelFamilies (kaplan_meier)",
    },
    {
      case: 'columns not listed',
      policy: policy({ allowedColumns: ['time', 'cens'] }),
      task: task({ columns: ['age', 'time', 'cens', 'pnodes'] }),
      code: 'column_not_allowed',
      reason: "columns age, pnodes not in the site policy's allowedColumns",
    },
    {
      case: 'a round beyond the maximum',
      policy: policy({ maxRoundsPerJob: 20 }),
      task: task({ round: 21 }),
      code: 'too_many_rounds',
      reason: "round 21 is beyond the site policy's maxRoundsPerJob (20)",
    },
    {
      case: 'a cohort below the minimum',
      policy: policy({ minCohortSize: 50 }),
      task: task({ cohortSize: 49 }),
      code: 'cohort_too_small',
      reason: "the cohort is smaller than the site policy's minCohortSize (50)",
    },
    {
      case: 'a round that is not a number',
      policy: policy(),
      task: task({ round: Number.NaN }),
      code: 'invalid_task',
      reason: 'round NaN is not a positive integer',
    },
    {
      case: 'a negative cohort size',
      policy: policy(),
      task: task({ cohortSize: -1 }),
      code: 'invalid_task',
      reason: 'cohort size -1 is not a non-negative integer',
    },
  ])('rejects $case', ({ policy: sitePolicy, task: description, code, reason }) => {
    const decision = checkTask(sitePolicy, description);

    expect(decision).toMatchObject({ allowed: false, code });
    expect((decision as { reason: string }).reason).toContain(reason);
  });

  it('describes a task from its spec', () => {
    const spec = modelSpecSchema.parse({
      family: 'kaplan_meier',
      groupBy: 'horTh',
      outcome: { kind: 'survival', time: 'time', event: 'cens' },
    });

    expect(describeTask({ projectId: 'prj_a', spec, round: 1, cohortSize: 686 })).toEqual({
      projectId: 'prj_a',
      modelFamily: 'kaplan_meier',
      columns: ['time', 'cens', 'horTh'],
      round: 1,
      cohortSize: 686,
    });
  });

  it('leaves the outcome out for a task that scores rows', () => {
    const spec = modelSpecSchema.parse({
      family: 'mlp_classifier',
      outcome: { kind: 'multiclass', column: 'tgrade', levels: ['I', 'II', 'III'] },
      features: [{ column: 'age', encoding: 'numeric' }],
      hyperparameters: { hiddenLayers: [4] },
    });

    expect(describeTask({ projectId: 'prj_a', spec, round: 1, cohortSize: 10 }).columns).toEqual(['age', 'tgrade']);
    expect(describeTask({ projectId: 'prj_a', spec, round: 1, cohortSize: 10, readsOutcome: false }).columns).toEqual(['age']);
  });

  it('keeps the exact cohort size out of the reason', () => {
    const decision = checkTask(policy({ minCohortSize: 50 }), task({ cohortSize: 37 }));

    expect((decision as { reason: string }).reason).not.toContain('37');
  });
});

describe('applyCellPolicy', () => {
  it('releases a table with no small cell unchanged', () => {
    expect(applyCellPolicy(policy(), { no: 440, yes: 246 })).toEqual({
      allowed: true,
      counts: { no: 440, yes: 246 },
      suppressed: [],
    });
  });

  it('suppresses a small cell and the next smallest one', () => {
    const release = applyCellPolicy(policy(), { I: 81, II: 444, III: 161, IV: 3 });

    expect(release).toEqual({ allowed: true, counts: { I: null, II: 444, III: 161, IV: null }, suppressed: ['IV', 'I'] });
  });

  it('suppresses only the small cell when the total stays hidden', () => {
    const release = applyCellPolicy(policy(), { a: 50, b: 4 }, { totalReleased: false });

    expect(release).toMatchObject({ counts: { a: 50, b: null }, suppressed: ['b'] });
  });

  it('keeps zero cells', () => {
    expect(applyCellPolicy(policy(), { a: 0, b: 30, c: 12 })).toMatchObject({ counts: { a: 0, b: 30, c: 12 } });
  });

  it('rejects the release when the action is refuse', () => {
    expect(applyCellPolicy(policy({ smallCellAction: 'refuse' }), { a: 50, b: 4 })).toEqual({
      allowed: false,
      code: 'small_cell',
      reason: "1 cell below the site policy's minCellSize (10), and smallCellAction is refuse",
    });
  });

  it.each([
    { count: 0, small: false },
    { count: 1, small: true },
    { count: 9, small: true },
    { count: 10, small: false },
  ])('treats a count of $count as small: $small', ({ count, small }) => {
    expect(isSmallCell(policy(), count)).toBe(small);
  });
});

describe('allowedProjects', () => {
  it.each(['prj_…', 'hello', 'PRJ_ABC'])('rejects the project id %j', (id) => {
    expect(() => sitePolicySchema.parse({ ...DEFAULT_SITE_POLICY, allowedProjects: [id] })).toThrow(/a project id starts with/);
  });
});

describe('releaseEventTime', () => {
  it.each([
    { time: 0, released: 0 },
    { time: 1, released: 30 },
    { time: 30, released: 30 },
    { time: 1814, released: 1830 },
  ])('bins $time days to $released', ({ time, released }) => {
    expect(releaseEventTime(policy(), time)).toBe(released);
  });

  it('keeps exact times when the policy allows it', () => {
    expect(releaseEventTime(policy({ releaseExactEventTimes: true }), 1814)).toBe(1814);
  });
});

describe('checkUpdateNorm', () => {
  it('allows an update within the bound', () => {
    expect(checkUpdateNorm(policy({ maxUpdateNorm: 5 }), [3, 4])).toEqual({ allowed: true });
  });

  it.each([
    { case: 'a norm above the bound', values: [3, 4.01], code: 'update_norm_too_large' },
    { case: 'a NaN value', values: [1, Number.NaN], code: 'update_not_finite' },
    { case: 'an infinite value', values: [Number.POSITIVE_INFINITY], code: 'update_not_finite' },
  ])('rejects $case', ({ values, code }) => {
    expect(checkUpdateNorm(policy({ maxUpdateNorm: 5 }), values)).toMatchObject({ allowed: false, code });
  });

  it('rejects NaN even without a bound', () => {
    expect(checkUpdateNorm(policy(), [Number.NaN])).toMatchObject({ allowed: false, code: 'update_not_finite' });
  });
});

describe('applyPolicyAssignments', () => {
  it('parses every kind of value', () => {
    const updated = applyPolicyAssignments(DEFAULT_SITE_POLICY, [
      'allowedProjects=prj_a, prj_b',
      'allowedModelFamilies=kaplan_meier,cox_ph',
      'allowedColumns=all',
      'minCellSize=5',
      'smallCellAction=refuse',
      'releaseExactEventTimes=true',
      'maxUpdateNorm=1e6',
    ]);

    expect(updated).toMatchObject({
      allowedProjects: ['prj_a', 'prj_b'],
      allowedModelFamilies: ['kaplan_meier', 'cox_ph'],
      allowedColumns: 'all',
      minCellSize: 5,
      smallCellAction: 'refuse',
      releaseExactEventTimes: true,
      maxUpdateNorm: 1e6,
    });
  });

  it('clears a list and the norm bound', () => {
    const updated = applyPolicyAssignments(policy({ maxUpdateNorm: 3 }), ['allowedProjects=', 'maxUpdateNorm=none']);

    expect(updated.allowedProjects).toEqual([]);
    expect(updated.maxUpdateNorm).toBeUndefined();
  });

  it.each([
    { case: 'a missing equals sign', assignment: 'minCellSize', message: 'is not a key=value assignment' },
    { case: 'an unknown key', assignment: 'minCell=5', message: 'unknown policy key "minCell"; valid keys: allowedProjects' },
    { case: 'a word for a number', assignment: 'minCellSize=ten', message: 'minCellSize must be a number, got "ten"' },
    { case: 'an empty number', assignment: 'minCohortSize=', message: 'minCohortSize must be a number' },
    { case: 'a fractional count', assignment: 'minCellSize=2.5', message: 'invalid policy: minCellSize:' },
    { case: 'a zero cell size', assignment: 'minCellSize=0', message: 'invalid policy: minCellSize:' },
    { case: 'an unknown action', assignment: 'smallCellAction=hide', message: 'invalid policy: smallCellAction:' },
    { case: 'an unknown family', assignment: 'allowedModelFamilies=svm', message: 'invalid policy: allowedModelFamilies' },
    { case: 'a boolean spelled yes', assignment: 'releaseExactEventTimes=yes', message: 'must be true or false' },
  ])('rejects $case', ({ assignment, message }) => {
    expect(() => applyPolicyAssignments(DEFAULT_SITE_POLICY, [assignment])).toThrow(message);
  });
});

describe('site policy file', () => {
  it('round-trips through the state folder', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'onsite-policy-'));
    await ensureStateDir(stateDir);

    await expect(readSitePolicy(stateDir)).resolves.toEqual(DEFAULT_SITE_POLICY);
    await writeSitePolicy(stateDir, policy({ minCellSize: 20 }));
    await expect(readSitePolicy(stateDir)).resolves.toEqual(policy({ minCellSize: 20 }));
  });

  it('rejects an unknown key in the file', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'onsite-policy-'));
    await ensureStateDir(stateDir);
    writeFileSync(statePaths(stateDir).policy, JSON.stringify({ minCellSise: 5 }));

    await expect(readSitePolicy(stateDir)).rejects.toThrow('policy.json is invalid');
  });
});

describe('summarizeDatasetForRelease', () => {
  const dataset = {
    schema: [
      { name: 'tgrade', type: 'categorical' as const, levels: ['I', 'II', 'III'], source: 'inferred' as const },
      { name: 'age', type: 'integer' as const, unit: 'years', source: 'declared' as const },
      { name: 'pid', type: 'text' as const, source: 'inferred' as const },
    ],
    counts: {
      rowCount: 686,
      columns: [
        { name: 'tgrade', nonMissing: 686, levels: { I: 5, II: 444, III: 237 } },
        { name: 'age', nonMissing: 683 },
        { name: 'pid', nonMissing: 686 },
      ],
    },
  };

  it('rounds counts, suppresses small cells and keeps allowed columns only', () => {
    const release = summarizeDatasetForRelease(policy({ roundCountsTo: 10, allowedColumns: ['tgrade', 'age'] }), dataset);

    expect(release).toEqual({
      allowed: true,
      summary: {
        rowCount: 690,
        columns: [
          {
            name: 'tgrade',
            type: 'categorical',
            levels: ['I', 'II', 'III'],
            source: 'inferred',
            nonMissing: 690,
            levelCounts: { I: null, II: 444, III: null },
          },
          { name: 'age', type: 'integer', unit: 'years', source: 'declared', nonMissing: 680 },
        ],
      },
    });
  });

  it('rejects a dataset below the minimum cohort size', () => {
    const small = { ...dataset, counts: { ...dataset.counts, rowCount: 9 } };

    expect(summarizeDatasetForRelease(policy(), small)).toMatchObject({ allowed: false });
  });

  it('rejects a dataset with a small cell when the action is refuse', () => {
    expect(summarizeDatasetForRelease(policy({ smallCellAction: 'refuse' }), dataset)).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('column "tgrade"'),
    });
  });
});
