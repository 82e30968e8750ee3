import { eq } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { organizations } from '../../../db/schema/index.js';
import { notFound } from '../../api/errors/api-error.js';
import type { OrganizationRow } from './create-organization.js';

export async function getOrganization(db: Executor, organizationId: string): Promise<OrganizationRow> {
  const [organization] = await db.select().from(organizations).where(eq(organizations.id, organizationId)).limit(1);
  if (!organization) throw notFound('organization', organizationId);
  return organization;
}
