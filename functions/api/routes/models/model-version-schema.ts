import { z } from '@hono/zod-openapi';
import type { PresignedRequest } from '../../../blob-store/blob-store.js';
import type { ModelVersionRow } from '../../../services/models/create-model-version.js';
import { idSchema, iso, timestampSchema } from '../../schemas/common.js';
import { specSha256Schema } from './model-schema.js';

/** How long an artifact download URL stays valid, in seconds: long enough for a large ONNX file. */
export const ARTIFACT_URL_LIFETIME_SECONDS = 900;

const artifactSchema = z.object({
  kind: z.string().openapi({ description: 'What the file contains: `weights` (safetensors) or `graph:<name>` (ONNX).', example: 'weights' }),
  sha256: z.string().openapi({ description: 'SHA-256 of the file; check it after downloading.' }),
  size: z.number().int().openapi({ description: 'Size in bytes.' }),
});

const lineageSchema = z
  .object({
    jobId: idSchema('job').optional(),
    round: z.number().int().optional(),
    contributingGatewayIds: z.array(idSchema('gateway')).optional(),
    parentVersionId: idSchema('modelVersion').optional(),
  })
  .openapi('ModelLineage', { description: 'The job and round that produced the version, and the gateways whose results it combines.' });

const versionFields = {
  id: idSchema('modelVersion'),
  modelId: idSchema('model'),
  version: z.number().int().openapi({ description: 'Numbered from 1 per model, in creation order.' }),
  specSha256: specSha256Schema.openapi({ description: 'SHA-256 of the spec the version was trained with.' }),
  lineage: lineageSchema,
  metrics: z.record(z.string(), z.unknown()).openapi({ description: 'Aggregate metrics of the round that produced the version.' }),
  createdAt: timestampSchema,
};

export const modelVersionSummarySchema = z.object({ ...versionFields, artifacts: z.array(artifactSchema) }).openapi('ModelVersionSummary');

export const modelVersionSchema = z
  .object({
    ...versionFields,
    artifacts: z.array(
      artifactSchema.extend({
        download: z
          .object({
            url: z.string().url(),
            headers: z.record(z.string(), z.string()).openapi({ description: 'Headers to send with the GET, because the signature covers them.' }),
            expiresAt: timestampSchema,
          })
          .openapi({ description: `Presigned GET request, valid for ${ARTIFACT_URL_LIFETIME_SECONDS} seconds.` }),
      }),
    ),
  })
  .openapi('ModelVersion');

type VersionFields = Omit<z.infer<typeof modelVersionSummarySchema>, 'artifacts'>;

function toVersionFields(row: ModelVersionRow): VersionFields {
  return {
    id: row.id,
    modelId: row.modelId,
    version: row.version,
    specSha256: row.specSha256,
    lineage: row.lineage,
    metrics: row.metrics,
    createdAt: iso(row.createdAt),
  };
}

export function toModelVersionSummary(row: ModelVersionRow): z.infer<typeof modelVersionSummarySchema> {
  return { ...toVersionFields(row), artifacts: row.artifacts.map(({ kind, sha256, size }) => ({ kind, sha256, size })) };
}

/** A version with a presigned download per artifact, in the order of `row.artifacts`. */
export function toModelVersion(row: ModelVersionRow, downloads: readonly PresignedRequest[]): z.infer<typeof modelVersionSchema> {
  return {
    ...toVersionFields(row),
    artifacts: row.artifacts.map(({ kind, sha256, size }, index) => {
      const download = downloads[index];
      if (!download) throw new Error(`no presigned download for artifact ${index} of model version ${row.id}`);
      return { kind, sha256, size, download: { url: download.url, headers: download.headers, expiresAt: download.expiresAt } };
    }),
  };
}
