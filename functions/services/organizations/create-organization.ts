import { newId } from '../../../db/ids.js';
import type { ORGANIZATION_KINDS} from '../../../db/schema/index.js';
import { organizations } from '../../../db/schema/index.js';
import { createApiKeyInTransaction, type CreatedApiKey } from '../api-keys/create-api-key.js';
import { recordAuditEvent } from '../audit/record-audit-event.js';
import type { ServiceContext } from '../service-context.js';

export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];
export type OrganizationRow = typeof organizations.$inferSelect;

/**
 * Creates an organization and its first owner key in one transaction; the key's secret is returned
 * once and never stored. Used by the operator route and the bootstrap command.
 */
export async function createOrganization(
  context: ServiceContext,
  input: { name: string; kind: OrganizationKind; ownerKeyName?: string },
): Promise<{ organization: OrganizationRow; ownerKey: CreatedApiKey }> {
  return context.db.transaction(async (tx) => {
    const [organization] = await tx
      .insert(organizations)
      .values({ id: newId('organization'), name: input.name, kind: input.kind, createdAt: context.now, updatedAt: context.now })
      .returning();
    if (!organization) throw new Error('insert into organizations returned no row');

    await recordAuditEvent(tx, {
      organizationId: organization.id,
      actor: context.actor,
      action: 'organization.created',
      target: { type: 'organization', id: organization.id },
      data: { name: organization.name, kind: organization.kind },
      ...(context.requestId ? { requestId: context.requestId } : {}),
    });

    const ownerKey = await createApiKeyInTransaction(tx, context, {
      organizationId: organization.id,
      name: input.ownerKeyName ?? 'owner',
      role: 'owner',
    });
    return { organization, ownerKey };
  });
}
