import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface RunningS3rver {
  endpoint: string;
  bucket: string;
  /** Fake credentials that s3rver accepts; it checks the access key id only. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

/** Starts a real s3rver on 127.0.0.1 with a random port, one bucket and a fresh temporary folder. */
export async function startS3rver(bucket = 'onsite-test'): Promise<RunningS3rver> {
  const directory = await mkdtemp(join(tmpdir(), 'onsite-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const address = await server.run();

  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
