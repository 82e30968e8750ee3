import { z } from '@hono/zod-openapi';
import { MODEL_FAMILIES, modelSpecSchema, type ModelSpec } from '@onsite/compute';
import { MODEL_APPROVAL_STATES } from '../../../../db/schema/index.js';
import type { ModelApprovalStatus } from '../../../services/models/approval-status.js';
import type { ModelApprovalRow } from '../../../services/models/approve-model-spec.js';
import type { ModelRow } from '../../../services/models/read-models.js';
import { idParams, idSchema, iso, timestampSchema } from '../../schemas/common.js';

/** Roles that define and edit models. */
export const MODEL_EDITOR_ROLES = ['owner', 'admin', 'data_scientist'] as const;

export const modelParams = idParams('modelId', 'model');

export const specSha256Schema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hexadecimal characters')
  .openapi({ description: "SHA-256 of the spec's canonical JSON, defaults included.", example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });

/**
 * The declarative spec, published once as the `ModelSpec` component so clients get one typed
 * union. It uses zod's own `.meta()` because `.openapi()` may be missing here: zod 4 copies
 * prototype methods onto a schema when it is built, and `@onsite/compute` can build its schemas
 * before `@hono/zod-openapi` adds the method. zod-to-openapi reads the `id` as the component name.
 */
export const modelSpecApiSchema = modelSpecSchema.meta({
  id: 'ModelSpec',
  description:
    'Declarative model: family, features taken from dataset columns by name, outcome and hyperparameters. Omitted fields take their defaults, and the stored spec has them filled in.',
});

export const modelApprovalSchema = z
  .object({
    id: idSchema('modelApproval'),
    modelId: idSchema('model'),
    organizationId: idSchema('organization').openapi({ description: 'The approving organization, which owns one of the datasets.' }),
    specSha256: specSha256Schema,
    state: z.enum(MODEL_APPROVAL_STATES),
    current: z.boolean().openapi({ description: "True when the approval is for the model's current spec SHA-256; approvals of an older spec are history." }),
    createdAt: timestampSchema,
    revokedAt: timestampSchema.nullable(),
  })
  .openapi('ModelApproval');

export const modelSchema = z
  .object({
    id: idSchema('model'),
    projectId: idSchema('project'),
    organizationId: idSchema('organization').openapi({ description: 'The project member that created the model and may change it.' }),
    name: z.string(),
    family: z.enum(MODEL_FAMILIES).openapi({ description: "The spec's family, repeated at the top level for lists." }),
    spec: modelSpecApiSchema,
    specSha256: specSha256Schema,
    datasetIds: z.array(idSchema('dataset')).openapi({ description: 'Datasets the spec was checked against and runs on.' }),
    approvals: z.array(modelApprovalSchema).openapi({ description: 'Every approval given, newest first, revoked ones and those of older specs included.' }),
    datasetOwners: z
      .array(
        z.object({
          organizationId: idSchema('organization'),
          datasetIds: z.array(idSchema('dataset')),
          approved: z.boolean().openapi({ description: 'True when this organization approved the current spec SHA-256.' }),
        }),
      )
      .openapi({ description: 'Each organization owning one of the datasets, whose approval of the current spec a job needs.' }),
    approvedForAllDatasets: z.boolean().openapi({ description: 'True when every dataset-owning organization approved the current spec SHA-256.' }),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .openapi('Model');

export function toModelApproval(row: ModelApprovalRow, currentSpecSha256: string): z.infer<typeof modelApprovalSchema> {
  return {
    id: row.id,
    modelId: row.modelId,
    organizationId: row.organizationId,
    specSha256: row.specSha256,
    state: row.state,
    current: row.specSha256 === currentSpecSha256,
    createdAt: iso(row.createdAt),
    revokedAt: iso(row.revokedAt),
  };
}

export function toModel(row: ModelRow, status: ModelApprovalStatus): z.infer<typeof modelSchema> {
  // Stored as parsed by modelSpecSchema when the model was created or last updated.
  const spec = row.spec as ModelSpec;
  return {
    id: row.id,
    projectId: row.projectId,
    organizationId: row.organizationId,
    name: row.name,
    family: spec.family,
    spec,
    specSha256: row.specSha256,
    datasetIds: row.datasetIds,
    approvals: status.approvals.map((approval) => toModelApproval(approval, row.specSha256)),
    datasetOwners: status.datasetOwners,
    approvedForAllDatasets: status.approvedForAllDatasets,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
