import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { apiKeys } from '../../../db/schema/index.js';
import type { Cursor } from '../../api/pagination.js';
import type { ApiKeyRow } from './create-api-key.js';

/** Keys of one organization, newest first, one page past `cursor` (limit + 1 rows, see toPage). */
export async function listApiKeys(db: Executor, organizationId: string, page: { limit: number; cursor?: Cursor }): Promise<ApiKeyRow[]> {
  const after = page.cursor
    ? or(lt(apiKeys.createdAt, new Date(String(page.cursor.sortKey))), and(eq(apiKeys.createdAt, new Date(String(page.cursor.sortKey))), lt(apiKeys.id, page.cursor.id)))
    : undefined;
  return db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.organizationId, organizationId), after))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(page.limit + 1);
}
