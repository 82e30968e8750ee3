import { createHash, randomBytes } from 'node:crypto';

import { getComputation } from '@onsite/compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { downloadBlob, uploadBlob } from '../../gateway/src/cloud/blob-transfer.js';
import type { ClaimedTask } from '../../gateway/src/cloud/claimed-task.js';
import { BlobTransferError } from '../../gateway/src/cloud/cloud-errors.js';
import { createGatewayCloud, type GatewayCloud } from '../../gateway/src/cloud/gateway-cloud.js';
import { readConfig } from '../../gateway/src/state/index.js';
import { Federation } from './support/federation.js';
import { GBSG2_SITE_FILES, KAPLAN_MEIER_SPEC } from './support/gbsg2.js';

const MIB = 1024 * 1024;

// The blob store and its presigned URLs do not depend on the database engine: PGlite only.
describe('presigned blob transfers over loopback', () => {
  let federation: Federation;
  let cloud: GatewayCloud;

  beforeAll(async () => {
    federation = await Federation.start('pglite', getComputation);
    await federation.seed('blobs', [{ file: GBSG2_SITE_FILES[0]! }]);
    const config = await readConfig(federation.sites[0]!.stateDir);
    cloud = createGatewayCloud({ apiUrl: config.apiUrl!, credential: config.credential!, fetch: federation.network.fetch });
  });

  afterAll(async () => {
    await federation.close();
  });

  async function claim(): Promise<ClaimedTask> {
    const modelId = await federation.createModel('survival curves', KAPLAN_MEIER_SPEC);
    await federation.createJob({ kind: 'analytics', computation: 'kaplan_meier', modelId });
    const task = await cloud.claimTask(0);
    if (task === undefined) throw new Error('no task to claim');
    return task;
  }

  it('uploads an update above 8 MiB in parts', async () => {
    const task = await claim();
    const bytes = new Uint8Array(randomBytes(9 * MIB));

    const target = await cloud.createUploadUrl(task.taskId, task.leaseToken, bytes.byteLength);
    const parts = await uploadBlob(federation.network.fetch, target, bytes);
    if (target.kind === 'multipart') await cloud.completeUpload(task.taskId, task.leaseToken, target.uploadId, parts);

    expect(target.kind).toBe('multipart');
    expect(parts.length).toBeGreaterThan(1);
    const stored = await federation.api.runtime.deps.blobStore.get(target.key);
    expect(createHash('sha256').update(stored).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('checks the SHA-256 of a download', async () => {
    const blobStore = federation.api.runtime.deps.blobStore;
    const bytes = new Uint8Array(randomBytes(4096));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await blobStore.put('test/blob-transfer/global.safetensors', bytes);
    const request = await blobStore.presignGet('test/blob-transfer/global.safetensors', { expiresInSeconds: 300 });

    const downloaded = await downloadBlob(federation.network.fetch, request, sha256);
    const wrongHash = downloadBlob(federation.network.fetch, request, '0'.repeat(64));

    expect(Buffer.from(downloaded).equals(Buffer.from(bytes))).toBe(true);
    await expect(wrongHash).rejects.toBeInstanceOf(BlobTransferError);
    await expect(wrongHash).rejects.toThrow(`have SHA-256 ${sha256}, not the announced ${'0'.repeat(64)}`);
  });
});
