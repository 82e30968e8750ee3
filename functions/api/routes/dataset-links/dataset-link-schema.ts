import { z } from '@hono/zod-openapi';
import { DATASET_LINK_STATES } from '../../../../db/schema/index.js';
import type { DatasetLinkRow } from '../../../services/dataset-links/request-dataset-link.js';
import { idSchema, timestampSchema } from '../../schemas/common.js';

export const datasetLinkSchema = z
  .object({
    id: idSchema('datasetLink'),
    projectId: idSchema('project'),
    datasetId: idSchema('dataset'),
    ownerOrganizationId: idSchema('organization').openapi({ description: "The dataset's owner, whose data officer decides." }),
    requestedByOrganizationId: idSchema('organization'),
    state: z.enum(DATASET_LINK_STATES),
    decidedAt: timestampSchema.nullable(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .openapi('DatasetLink');

export function toDatasetLink(row: DatasetLinkRow): z.infer<typeof datasetLinkSchema> {
  return {
    id: row.id,
    projectId: row.projectId,
    datasetId: row.datasetId,
    ownerOrganizationId: row.organizationId,
    requestedByOrganizationId: row.requestedByOrganizationId,
    state: row.state,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
