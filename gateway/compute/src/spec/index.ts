import { sha256OfJson } from './canonical-json.js';
import { modelSpecSchema, type ModelSpec } from './model-spec.js';

export * from './model-spec.js';
export * from './design-matrix.js';
export { canonicalJson, sha256OfJson } from './canonical-json.js';

/**
 * Parses a spec (filling defaults) and returns it with its SHA-256. The hash is taken over the
 * parsed spec, defaults included, so that `{ties: "efron"}` and `{}` approve the same model.
 */
export function normaliseModelSpec(input: unknown): { spec: ModelSpec; sha256: string } {
  const spec = modelSpecSchema.parse(input);
  return { spec, sha256: sha256OfJson(spec) };
}
