/**
 * Failure codes of a round that could not produce a new model. When one is raised, the caller
 * keeps the previous global model and optimiser state, which is safe because no function in this
 * folder mutates its inputs.
 */
export const AGGREGATION_ERROR_CODES = [
  /** No update passed validation, or none was given. */
  'no_valid_update',
  /** The weights to divide by sum to zero. */
  'zero_total_weight',
  /** Σ nᵢ is not a safe integer, so it cannot be counted exactly. */
  'sample_count_overflow',
  /** A sum, mean, new weight or optimiser moment is NaN or infinite. */
  'non_finite_result',
  /** An integer tensor's exact sum does not fit its dtype. */
  'integer_overflow',
  /** Tensors handed to the aggregator do not match the model layout (a caller bug, not a site's). */
  'layout_mismatch',
  /** Optimiser or validation settings are invalid. */
  'invalid_options',
  /** Persisted optimiser state belongs to another optimiser, settings or layout, or is corrupt. */
  'state_mismatch',
] as const;
export type AggregationErrorCode = (typeof AGGREGATION_ERROR_CODES)[number];

/** Error raised when aggregation fails. `code` names which of the failures above happened. */
export class AggregationError extends Error {
  override readonly name = 'AggregationError';
  readonly code: AggregationErrorCode;

  constructor(code: AggregationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
