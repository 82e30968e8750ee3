import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/** One invalid field of a request: where it is (`body.spec.features.0.column`) and why. */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * An error meant for the caller. `detail` is shown as is, so it must say what failed on which value
 * and what to do; anything internal goes in `cause`, which is logged and never sent.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly options: { errors?: FieldError[]; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = ERROR_CODES[code].status;
  }
}

/** Not found, worded the same for a missing resource and another tenant's one. */
export function notFound(kind: string, id: string): ApiError {
  return new ApiError('not_found', `${kind} ${id} was not found; check the id and that your organization can see it`);
}
