import { z } from '@hono/zod-openapi';
import { ORGANIZATION_KINDS } from '../../../../db/schema/index.js';
import type { OrganizationRow } from '../../../services/organizations/create-organization.js';
import { idSchema, timestampSchema } from '../../schemas/common.js';

export const organizationSchema = z
  .object({
    id: idSchema('organization'),
    name: z.string(),
    kind: z.enum(ORGANIZATION_KINDS),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .openapi('Organization');

export function toOrganization(row: OrganizationRow): z.infer<typeof organizationSchema> {
  return { id: row.id, name: row.name, kind: row.kind, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}
