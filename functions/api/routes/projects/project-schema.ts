import { z } from '@hono/zod-openapi';
import { PROJECT_STATES } from '../../../../db/schema/index.js';
import type { ProjectRow } from '../../../services/projects/get-visible-project.js';
import { idParams, idSchema, iso, timestampSchema } from '../../schemas/common.js';

/** Roles that create and edit projects. */
export const PROJECT_EDITOR_ROLES = ['owner', 'admin', 'data_scientist'] as const;

export const projectStateSchema = z.enum(PROJECT_STATES).openapi('ProjectState', {
  description: 'active, or frozen once its partnership has ended; a frozen project accepts no changes.',
});

export const projectSchema = z
  .object({
    id: idSchema('project'),
    partnershipId: idSchema('partnership'),
    organizationId: idSchema('organization').openapi({ description: 'The member organization that created the project.' }),
    name: z.string(),
    description: z.string(),
    state: projectStateSchema,
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .openapi('Project');

export const projectParams = idParams('projectId', 'project');

export function toProject(row: ProjectRow): z.infer<typeof projectSchema> {
  return {
    id: row.id,
    partnershipId: row.partnershipId,
    organizationId: row.organizationId,
    name: row.name,
    description: row.description,
    state: row.state,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
