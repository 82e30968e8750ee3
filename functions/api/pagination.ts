import { z } from '@hono/zod-openapi';
import { ApiError } from './errors/api-error.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Query parameters of every list operation. */
export const pageQuerySchema = z
  .object({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_PAGE_SIZE)
      .default(DEFAULT_PAGE_SIZE)
      .openapi({ description: `Items per page, 1 to ${MAX_PAGE_SIZE}.`, example: DEFAULT_PAGE_SIZE }),
    cursor: z
      .string()
      .max(512)
      .optional()
      .openapi({ description: 'The `nextCursor` of the previous page; omit it for the first page.' }),
  })
  .strict();

/** Wraps an item schema in the page envelope every list returns. */
export function pageSchema<T extends z.ZodTypeAny>(item: T, name: string) {
  return z
    .object({
      items: z.array(item),
      nextCursor: z.string().nullable().openapi({ description: 'Cursor of the next page, or null on the last page.' }),
    })
    .openapi(name);
}

/**
 * Keyset position of a list: the sort key and the id of the last item returned. Opaque to callers
 * (base64url JSON) so the ordering can change without breaking the contract.
 */
export interface Cursor {
  sortKey: string | number;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sortKey, cursor.id])).toString('base64url');
}

export function decodeCursor(value: string | undefined): Cursor | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      (typeof parsed[0] === 'string' || typeof parsed[0] === 'number') &&
      typeof parsed[1] === 'string'
    ) {
      return { sortKey: parsed[0], id: parsed[1] };
    }
  } catch {
    // Fall through to the error below: any undecodable cursor is the caller's mistake.
  }
  throw new ApiError('validation_failed', 'the cursor is not one this API returned; pass nextCursor unchanged or omit it', {
    errors: [{ path: 'query.cursor', message: 'invalid cursor' }],
  });
}

/**
 * Builds a page from rows fetched with `limit + 1`: the extra row only says whether a next page
 * exists, and is not returned.
 */
export function toPage<Row, Item>(rows: Row[], limit: number, toItem: (row: Row) => Item, cursorOf: (row: Row) => Cursor) {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map(toItem),
    nextCursor: hasMore && last !== undefined ? encodeCursor(cursorOf(last)) : null,
  };
}
