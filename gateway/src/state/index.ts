// The gateway's state folder: configuration, key pair, dataset registry, audit log, outbox and
// runtime status. Every write is atomic (temporary file, fsync, rename) or an fsynced append.
export { isTemporaryFileName, PRIVATE_FILE_MODE, syncDirectory, writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
export * from './audit-log.js';
export * from './config.js';
export * from './datasets.js';
export * from './delivery-queue.js';
export { withFileLock, type FileLockOptions } from './file-lock.js';
export * from './keys.js';
export * from './runtime-status.js';
export * from './state-dir.js';
