import { eq } from 'drizzle-orm';
import { organizations } from '../../../db/schema/index.js';
import { notFound } from '../../api/errors/api-error.js';
import { recordAuditEvent } from '../audit/record-audit-event.js';
import type { ServiceContext } from '../service-context.js';
import type { OrganizationRow } from './create-organization.js';

export async function renameOrganization(context: ServiceContext, organizationId: string, name: string): Promise<OrganizationRow> {
  return context.db.transaction(async (tx) => {
    const [before] = await tx.select().from(organizations).where(eq(organizations.id, organizationId)).for('update');
    if (!before) throw notFound('organization', organizationId);

    const [after] = await tx
      .update(organizations)
      .set({ name, updatedAt: context.now })
      .where(eq(organizations.id, organizationId))
      .returning();
    if (!after) throw notFound('organization', organizationId);

    await recordAuditEvent(tx, {
      organizationId,
      actor: context.actor,
      action: 'organization.renamed',
      target: { type: 'organization', id: organizationId },
      data: { from: before.name, to: name },
      ...(context.requestId ? { requestId: context.requestId } : {}),
    });
    return after;
  });
}
