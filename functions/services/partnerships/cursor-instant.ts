import { ApiError } from '../../api/errors/api-error.js';
import type { Cursor } from '../../api/pagination.js';

/**
 * Parses the creation instant a list cursor points after. A cursor whose sort key is not a timestamp
 * was not issued by this API, so it is the caller's error, not a query failure.
 */
export function cursorInstant(cursor: Cursor): Date {
  const instant = new Date(String(cursor.sortKey));
  if (typeof cursor.sortKey !== 'string' || Number.isNaN(instant.getTime())) {
    throw new ApiError('validation_failed', 'the cursor is not one this API returned; pass nextCursor unchanged or omit it', {
      errors: [{ path: 'query.cursor', message: 'invalid cursor' }],
    });
  }
  return instant;
}
