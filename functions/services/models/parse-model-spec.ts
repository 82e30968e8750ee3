import { modelSpecSchema, normaliseModelSpec, type ModelSpec } from '@onsite/compute';
import { ApiError } from '../../api/errors/api-error.js';
import { fieldErrorsFromZod } from '../../api/errors/field-errors.js';
import { checkSpecFitsDatasets, type DatasetSchemaView } from './check-spec-fits-datasets.js';

/**
 * Parses a spec, checks it against the datasets it will run on, and returns the normalised spec
 * (defaults filled) with its SHA-256, which is what a data officer approves. Raises 400 naming
 * every invalid field under `body.spec`, and every dataset a column does not fit.
 */
export function parseModelSpecForDatasets(input: unknown, datasets: readonly DatasetSchemaView[]): { spec: ModelSpec; sha256: string } {
  const parsed = modelSpecSchema.safeParse(input);
  if (!parsed.success) {
    const errors = fieldErrorsFromZod(parsed.error, 'body.spec', { value: input });
    throw new ApiError('validation_failed', `the model spec has ${errors.length} invalid field(s); see errors`, { errors });
  }

  const normalised = normaliseModelSpec(parsed.data);
  const errors = checkSpecFitsDatasets(normalised.spec, datasets);
  if (errors.length > 0) {
    const names = datasets.map((dataset) => dataset.id).join(', ');
    throw new ApiError('validation_failed', `the model spec does not fit the schema of the project's dataset(s) ${names}: ${errors.length} problem(s); see errors`, { errors });
  }
  return normalised;
}
