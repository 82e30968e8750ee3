import { normaliseModelSpec, type ModelSpecInput } from '@onsite/compute';
import { describe, expect, it } from 'vitest';
import type { DatasetColumn } from '../../../db/schema/index.js';
import { checkSpecFitsDatasets, type DatasetSchemaView } from './check-spec-fits-datasets.js';

const COLUMNS: DatasetColumn[] = [
  { name: 'horTh', type: 'categorical', levels: ['no', 'yes'] },
  { name: 'age', type: 'integer' },
  { name: 'tsize', type: 'number' },
  { name: 'tgrade', type: 'categorical', levels: ['I', 'II', 'III'] },
  { name: 'treated', type: 'boolean' },
  { name: 'time', type: 'integer' },
  { name: 'cens', type: 'integer' },
];

const DATASET: DatasetSchemaView = { id: 'dst_a', name: 'GBSG2', columns: COLUMNS };

const COX: ModelSpecInput = {
  family: 'cox_ph',
  outcome: { kind: 'survival', time: 'time', event: 'cens' },
  features: [
    { column: 'horTh', encoding: 'categorical', levels: ['no', 'yes'], reference: 'no' },
    { column: 'age', encoding: 'numeric' },
    { column: 'treated', encoding: 'numeric' },
  ],
};

function check(input: ModelSpecInput, datasets: DatasetSchemaView[] = [DATASET]) {
  return checkSpecFitsDatasets(normaliseModelSpec(input).spec, datasets);
}

function withFeature(feature: object): ModelSpecInput {
  return { ...COX, features: [feature] } as ModelSpecInput;
}

describe('checkSpecFitsDatasets', () => {
  it('accepts a spec whose columns all fit', () => {
    expect(check(COX)).toEqual([]);
  });

  it.each([
    ['missing feature column', withFeature({ column: 'pnodes', encoding: 'numeric' }), 'body.spec.features.0.column', 'not in dataset dst_a'],
    ['numeric feature on a categorical column', withFeature({ column: 'tgrade', encoding: 'numeric' }), 'body.spec.features.0.column', 'is categorical'],
    ['categorical feature on an integer column', withFeature({ column: 'age', encoding: 'categorical', levels: ['1', '2'], reference: '1' }), 'body.spec.features.0.column', 'is integer'],
    ['level the column lacks', withFeature({ column: 'tgrade', encoding: 'categorical', levels: ['I', 'II', 'III', 'IV'], reference: 'I' }), 'body.spec.features.0.levels', 'IV'],
    ['level the spec omits', withFeature({ column: 'tgrade', encoding: 'categorical', levels: ['I', 'II'], reference: 'I' }), 'body.spec.features.0.levels', 'III'],
    ['categorical survival time', { ...COX, outcome: { kind: 'survival', time: 'tgrade', event: 'cens' } }, 'body.spec.outcome.time', 'is categorical'],
    ['missing event column', { ...COX, outcome: { kind: 'survival', time: 'time', event: 'status' } }, 'body.spec.outcome.event', 'not in dataset'],
    ['categorical event column', { ...COX, outcome: { kind: 'survival', time: 'time', event: 'tgrade' } }, 'body.spec.outcome.event', 'is categorical'],
  ] as const)('reports %s', (_case, spec, path, fragment) => {
    const errors = check(spec);

    expect(errors, JSON.stringify(errors)).toHaveLength(1);
    expect(errors[0]?.path).toBe(path);
    expect(errors[0]?.message).toContain(fragment);
  });

  const logistic = (column: string, positive: string | number): ModelSpecInput => ({
    family: 'logistic_regression',
    outcome: { kind: 'binary', column, positive },
    features: [{ column: 'age', encoding: 'numeric' }],
  });

  it.each([
    ['a categorical outcome', 'horTh', 'yes', true],
    ['a categorical outcome with an unknown level', 'horTh', 'maybe', false],
    ['a boolean outcome', 'treated', 'true', true],
    ['a boolean outcome with a number', 'treated', 1, false],
    ['an integer outcome', 'cens', 1, true],
    ['an integer outcome with text', 'cens', 'dead', false],
    ['an integer outcome with a fraction', 'cens', 0.5, false],
  ] as const)('checks the positive class of %s', (_case, column, positive, fits) => {
    const errors = check(logistic(column, positive));

    if (fits) {
      expect(errors).toEqual([]);
    } else {
      expect(errors.map((error) => error.path)).toEqual(['body.spec.outcome.positive']);
    }
  });

  const multiclass = (column: string, levels: Array<string | number>): ModelSpecInput => ({
    family: 'mlp_classifier',
    outcome: { kind: 'multiclass', column, levels },
    features: [{ column: 'age', encoding: 'numeric' }],
    hyperparameters: { hiddenLayers: [4] },
  });

  it.each([
    ['every level of a categorical column', 'tgrade', ['III', 'I', 'II'], []],
    ['a class the column lacks', 'tgrade', ['I', 'II', 'IV'], ['body.spec.outcome.levels.2', 'body.spec.outcome.levels']],
    ['a column level the spec omits', 'tgrade', ['I', 'II'], ['body.spec.outcome.levels']],
    ['integer classes of an integer column', 'cens', [0, 1, 2], []],
    ['a text class of an integer column', 'cens', [0, 'dead'], ['body.spec.outcome.levels.1']],
  ] as const)('checks the classes of a multi-class outcome with %s', (_case, column, levels, paths) => {
    const errors = check(multiclass(column, [...levels]));

    expect(errors.map((error) => error.path)).toEqual(paths);
  });

  it('names the omitted level of a multi-class outcome', () => {
    const errors = check(multiclass('tgrade', ['I', 'II']));

    expect(errors[0]?.message).toContain('also has level(s) III; list them in outcome.levels');
  });

  it('reports a missing groupBy column', () => {
    const errors = check({ family: 'kaplan_meier', outcome: { kind: 'survival', time: 'time', event: 'cens' }, groupBy: 'site' });

    expect(errors.map((error) => error.path)).toEqual(['body.spec.groupBy']);
  });

  it('names each dataset the spec does not fit', () => {
    const narrow: DatasetSchemaView = { id: 'dst_b', name: 'Site B', columns: COLUMNS.filter((column) => column.name !== 'age') };

    const errors = check(COX, [DATASET, narrow]);

    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe('body.spec.features.1.column');
    expect(errors[0]?.message).toContain('dst_b ("Site B")');
  });
});
