// Public entry of the blob store: the interface, both implementations, the factory, the local
// routes for presigned URLs and the multipart helpers.
export type {
  BlobStore,
  CompletedPart,
  CreateMultipartUploadOptions,
  MultipartUpload,
  PresignedRequest,
  PresignGetOptions,
  PresignPutOptions,
  PutBlobOptions,
  PutBlobResult,
} from './blob-store.js';
export {
  BlobLengthMismatchError,
  BlobNotFoundError,
  BlobStoreError,
  BlobTooLargeError,
  InvalidBlobKeyError,
  InvalidBlobRequestError,
  MultipartUploadNotFoundError,
} from './errors.js';
export { MAX_BLOB_KEY_LENGTH, validateBlobKey } from './blob-key.js';
export {
  BlobStoreConfigSchema,
  createBlobStore,
  type BlobStoreConfig,
  type FsBlobStoreFactoryConfig,
  type S3BlobStoreFactoryConfig,
} from './create-blob-store.js';
export { FsBlobStore, type FsBlobStoreConfig } from './fs-blob-store.js';
export { S3BlobStore, type S3BlobStoreConfig } from './s3-blob-store.js';
export {
  createLocalBlobRoutes,
  DEFAULT_MAX_BODY_BYTES,
  type BlobRouteLogger,
  type LocalBlobRoutesOptions,
} from './local-blob-routes.js';
export { LOCAL_BLOB_ROUTE_PREFIX } from './local-url-signature.js';
export {
  MIN_MULTIPART_PART_BYTES,
  MULTIPART_PART_SIZE_BYTES,
  MULTIPART_THRESHOLD_BYTES,
  planMultipartUpload,
  type MultipartPlan,
} from './multipart-plan.js';
export { MAX_MULTIPART_PARTS, MAX_PRESIGN_EXPIRY_SECONDS, MAX_SINGLE_PUT_BYTES } from './request-options.js';
