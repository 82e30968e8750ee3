import type { Feature, ModelSpec } from '@onsite/compute';
import type { DatasetColumn } from '../../../db/schema/index.js';
import type { FieldError } from '../../api/errors/api-error.js';

type ColumnType = DatasetColumn['type'];

/** The parts of a dataset that a spec is checked against. */
export interface DatasetSchemaView {
  id: string;
  name: string;
  columns: readonly DatasetColumn[];
}

const NUMERIC_TYPES: readonly ColumnType[] = ['number', 'integer', 'boolean'];
const SURVIVAL_TIME_TYPES: readonly ColumnType[] = ['number', 'integer'];
const EVENT_TYPES: readonly ColumnType[] = ['integer', 'boolean', 'number'];
const ANY_TYPE: readonly ColumnType[] = ['number', 'integer', 'categorical', 'boolean'];

/** Path of a spec field in the request, as problem details name it. */
const SPEC_PATH = 'body.spec';

/**
 * Checks that every column a spec uses exists in every dataset with a type the gateway can encode,
 * and returns one error per violation and dataset (empty when the spec fits). Catching a mismatch
 * here, before the data officer approves the spec, spares a job that every site would refuse.
 *
 * A categorical feature needs a categorical column: the gateway could also encode an integer or
 * boolean column by level, but only a categorical column declares its levels, so only there can
 * the spec's levels be checked before any row is read.
 */
export function checkSpecFitsDatasets(spec: ModelSpec, datasets: readonly DatasetSchemaView[]): FieldError[] {
  return datasets.flatMap((dataset) => checkSpecFitsDataset(spec, dataset));
}

function checkSpecFitsDataset(spec: ModelSpec, dataset: DatasetSchemaView): FieldError[] {
  const columns = new Map(dataset.columns.map((column) => [column.name, column]));
  const errors: FieldError[] = [];
  const label = `dataset ${dataset.id} ("${dataset.name}")`;

  /** Looks a column up and records why it cannot serve `use`; returns it only when it can. */
  const requireColumn = (path: string, name: string, accepted: readonly ColumnType[], use: string): DatasetColumn | undefined => {
    const column = columns.get(name);
    if (!column) {
      errors.push({ path, message: `column "${name}" is not in ${label}; use one of its columns or link another dataset` });
      return undefined;
    }
    if (!accepted.includes(column.type)) {
      errors.push({ path, message: `column "${name}" of ${label} is ${column.type}, but ${use} needs a ${accepted.join(', ')} column` });
      return undefined;
    }
    return column;
  };

  spec.features.forEach((feature, index) => {
    errors.push(...checkFeature(feature, `${SPEC_PATH}.features.${index}`, requireColumn, label));
  });

  const outcome = spec.outcome;
  if (outcome.kind === 'survival') {
    requireColumn(`${SPEC_PATH}.outcome.time`, outcome.time, SURVIVAL_TIME_TYPES, 'a survival time');
    requireColumn(`${SPEC_PATH}.outcome.event`, outcome.event, EVENT_TYPES, 'an event indicator');
  } else if (outcome.kind === 'binary') {
    const column = requireColumn(`${SPEC_PATH}.outcome.column`, outcome.column, ANY_TYPE, 'a binary outcome');
    const problem = column ? classValueProblem(column, outcome.positive, 'positive class', label) : undefined;
    if (problem) errors.push({ path: `${SPEC_PATH}.outcome.positive`, message: problem });
  } else {
    const column = requireColumn(`${SPEC_PATH}.outcome.column`, outcome.column, ANY_TYPE, 'a multi-class outcome');
    if (column) errors.push(...checkClassLevels(column, outcome.levels, label));
  }

  if (spec.family === 'kaplan_meier' && spec.groupBy !== undefined) {
    requireColumn(`${SPEC_PATH}.groupBy`, spec.groupBy, ANY_TYPE, 'a grouping column');
  }

  return errors;
}

function checkFeature(
  feature: Feature,
  path: string,
  requireColumn: (path: string, name: string, accepted: readonly ColumnType[], use: string) => DatasetColumn | undefined,
  label: string,
): FieldError[] {
  if (feature.encoding === 'numeric') {
    requireColumn(`${path}.column`, feature.column, NUMERIC_TYPES, 'a numeric feature');
    return [];
  }

  const column = requireColumn(`${path}.column`, feature.column, ['categorical'], 'a categorical feature');
  if (!column) return [];

  // Both directions matter: a spec level the column lacks builds a dummy that is always 0, and a
  // column level the spec lacks makes the gateway reject every row that has it.
  const columnLevels = column.levels ?? [];
  const errors: FieldError[] = [];
  const unknown = feature.levels.filter((level) => !columnLevels.includes(level));
  if (unknown.length > 0) {
    errors.push({
      path: `${path}.levels`,
      message: `level(s) ${unknown.join(', ')} are not levels of column "${feature.column}" in ${label}, which has ${columnLevels.join(', ')}`,
    });
  }
  const omitted = columnLevels.filter((level) => !feature.levels.includes(level));
  if (omitted.length > 0) {
    errors.push({
      path: `${path}.levels`,
      message: `column "${feature.column}" of ${label} also has level(s) ${omitted.join(', ')}; list them in the spec, because the gateway rejects rows whose level the spec omits`,
    });
  }
  return errors;
}

/**
 * Checks the classes of a multi-class outcome: each must be able to match a value of the column.
 * A categorical column may have no level outside them, because the gateway rejects every row
 * whose class the spec does not list.
 */
function checkClassLevels(column: DatasetColumn, levels: readonly (string | number)[], label: string): FieldError[] {
  const errors: FieldError[] = [];
  levels.forEach((level, index) => {
    const problem = classValueProblem(column, level, 'class', label);
    if (problem) errors.push({ path: `${SPEC_PATH}.outcome.levels.${index}`, message: problem });
  });
  if (column.type === 'categorical') {
    const listed = new Set(levels.map(String));
    const omitted = (column.levels ?? []).filter((level) => !listed.has(level));
    if (omitted.length > 0) {
      errors.push({
        path: `${SPEC_PATH}.outcome.levels`,
        message: `column "${column.name}" of ${label} also has level(s) ${omitted.join(', ')}; list them in outcome.levels, because the gateway rejects rows whose class the spec omits`,
      });
    }
  }
  return errors;
}

/**
 * Why a class value (`what`: the positive class, or one class of several) can never match a value
 * of the column, or undefined when it can. The gateway compares values as text, so `1` matches an
 * integer column and `"true"` a boolean one.
 */
function classValueProblem(column: DatasetColumn, value: string | number, what: string, label: string): string | undefined {
  const named = `column "${column.name}" of ${label}`;
  if (column.type === 'categorical') {
    const levels = column.levels ?? [];
    return levels.includes(String(value)) ? undefined : `${what} "${value}" is not a level of ${named} (${levels.join(', ')})`;
  }
  if (column.type === 'boolean') {
    return value === 'true' || value === 'false' ? undefined : `${what} ${JSON.stringify(value)} cannot match boolean ${named}; use "true" or "false"`;
  }
  if (typeof value !== 'number') return `${what} "${value}" cannot match ${column.type} ${named}; use a number`;
  if (column.type === 'integer' && !Number.isInteger(value)) return `${what} ${value} cannot match integer ${named}; use a whole number`;
  return undefined;
}
