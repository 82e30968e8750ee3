import { ApiError } from '../../api/errors/api-error.js';
import type { Cursor } from '../../api/pagination.js';

function invalidCursor(): ApiError {
  return new ApiError('validation_failed', 'the cursor is not one this API returned; pass nextCursor unchanged or omit it', {
    errors: [{ path: 'query.cursor', message: 'invalid cursor' }],
  });
}

/** The instant a list cursor carries; a forged one is a 400 instead of a failed query. */
export function cursorInstant(cursor: Cursor): Date {
  const instant = new Date(String(cursor.sortKey));
  if (Number.isNaN(instant.getTime())) throw invalidCursor();
  return instant;
}

/** The whole number a list cursor carries; a forged one is a 400 instead of a failed query. */
export function cursorInteger(cursor: Cursor): number {
  const value = Number(cursor.sortKey);
  if (!Number.isSafeInteger(value)) throw invalidCursor();
  return value;
}
