import type { ModelSpec } from '../spec/model-spec.js';

/**
 * Feature names of a spec's design matrix, known before any data is read: a numeric feature is
 * its column name, a categorical one gives `<column>_<level>` for every level but the reference, in
 * the spec's level order (as `buildDesignMatrix` and R's `model.matrix` name them). The server
 * plans rounds in this order; sites match their columns to it by name.
 */
export function featureLayout(spec: ModelSpec): string[] {
  return spec.features.flatMap((feature) =>
    feature.encoding === 'numeric'
      ? [feature.column]
      : feature.levels.filter((level) => level !== feature.reference).map((level) => `${feature.column}_${level}`),
  );
}
