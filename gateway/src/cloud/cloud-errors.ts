import { ApiProblemError } from './api-client.js';

/**
 * Reaction of the gateway to a failed cloud request. `retry`: the network or the cloud is
 * unavailable, so the same request may succeed later (keep the result, back off). `drop`: the
 * cloud refused for good (the lease is gone, the task is unknown, the request is invalid), so
 * repeating it can only fail again, or worse, submit twice.
 */
export type CloudFailure = { action: 'retry'; reason: string } | { action: 'drop'; reason: string; leaseProblem?: string };

/** Raised when a presigned blob transfer fails; `status` is undefined for a network error. */
export class BlobTransferError extends Error {
  override name = 'BlobTransferError';
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Statuses after which the same request may succeed: request timeout, throttling, server errors,
 * and 401/403, which an operator fixes by re-enrolling or restoring the gateway, not the gateway.
 */
const RETRYABLE_STATUSES = new Set([401, 403, 408, 425, 429]);

/** Classifies an error thrown by a cloud call (API or blob transfer). */
export function classifyCloudFailure(error: unknown): CloudFailure {
  if (error instanceof ApiProblemError) {
    if (error.status >= 500 || RETRYABLE_STATUSES.has(error.status)) {
      return { action: 'retry', reason: error.message };
    }
    const leaseProblem = error.status === 409 ? error.errors[0]?.message : undefined;
    return { action: 'drop', reason: error.message, ...(leaseProblem === undefined ? {} : { leaseProblem }) };
  }

  if (error instanceof BlobTransferError) {
    // An expired presigned URL returns 403; a new URL from the API fixes it, so it is worth a retry.
    if (error.status === undefined || error.status >= 500 || RETRYABLE_STATUSES.has(error.status)) {
      return { action: 'retry', reason: error.message };
    }
    return { action: 'drop', reason: error.message };
  }

  // fetch rejects with a TypeError for refused connections, DNS failures and resets.
  return { action: 'retry', reason: describeError(error) };
}

/** Returns an error's message with its cause (Node's fetch hides ECONNREFUSED in `cause`). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
