import { z } from 'zod';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { MIN_SECRET_LENGTH } from './local-url-signature.js';
import { S3BlobStore } from './s3-blob-store.js';

export const FsBlobStoreConfigSchema = z.object({
  kind: z.literal('fs'),
  root: z.string().min(1),
  publicBaseUrl: z.url({ protocol: /^https?$/ }),
  secret: z.string().min(MIN_SECRET_LENGTH),
});

export const S3BlobStoreConfigSchema = z.object({
  kind: z.literal('s3'),
  bucket: z.string().min(3).max(63),
  region: z.string().min(1),
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  forcePathStyle: z.boolean().optional(),
  kmsKeyId: z.string().min(1).optional(),
  credentials: z
    .object({
      accessKeyId: z.string().min(1),
      secretAccessKey: z.string().min(1),
      sessionToken: z.string().min(1).optional(),
    })
    .optional(),
});

/** Blob store selection and settings, as parsed from the environment at start-up. */
export const BlobStoreConfigSchema = z.discriminatedUnion('kind', [FsBlobStoreConfigSchema, S3BlobStoreConfigSchema]);

export type FsBlobStoreFactoryConfig = z.infer<typeof FsBlobStoreConfigSchema>;
export type S3BlobStoreFactoryConfig = z.infer<typeof S3BlobStoreConfigSchema>;
export type BlobStoreConfig = z.infer<typeof BlobStoreConfigSchema>;

/**
 * Builds the blob store that the config names. The filesystem store is returned with its own
 * type, because the API also needs it for `createLocalBlobRoutes`.
 */
export function createBlobStore(config: FsBlobStoreFactoryConfig): FsBlobStore;
export function createBlobStore(config: S3BlobStoreFactoryConfig): S3BlobStore;
export function createBlobStore(config: BlobStoreConfig): BlobStore;
export function createBlobStore(config: BlobStoreConfig): BlobStore {
  const parsed = BlobStoreConfigSchema.safeParse(config);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`Invalid blob store config: ${problems.join('; ')}.`);
  }

  const valid = parsed.data;
  switch (valid.kind) {
    case 'fs':
      return new FsBlobStore({ root: valid.root, publicBaseUrl: valid.publicBaseUrl, secret: valid.secret });
    case 's3':
      return new S3BlobStore(valid);
  }
}
