import { describe, expect, it } from 'vitest';

import { localCloudEnv } from './local-env.js';
import type { LocalState } from './local-state.js';

const STATE: LocalState = {
  home: '/tmp/onsite-home',
  databaseDir: '/tmp/onsite-home/db',
  blobDir: '/tmp/onsite-home/blobs',
  operatorToken: 'operator-token-for-tests-0123456789abcdef',
  blobSigningSecret: 'blob-secret-for-tests-0123456789abcdef',
};

describe('localCloudEnv', () => {
  it('signs blob links for the default port', () => {
    expect(localCloudEnv(STATE, {}).PUBLIC_BASE_URL).toBe('http://127.0.0.1:8787');
  });

  it('signs blob links for the port set by PORT', () => {
    const env = localCloudEnv(STATE, { PORT: '18999' });

    expect(env.PORT).toBe(18999);
    expect(env.PUBLIC_BASE_URL).toBe('http://127.0.0.1:18999');
  });

  it('keeps an explicit PUBLIC_BASE_URL', () => {
    expect(localCloudEnv(STATE, { PORT: '18999', PUBLIC_BASE_URL: 'http://127.0.0.1:9000' }).PUBLIC_BASE_URL).toBe('http://127.0.0.1:9000');
  });

  it('reads the state folder unless the environment overrides it', () => {
    expect(localCloudEnv(STATE, {}).BLOB_DIR).toBe('/tmp/onsite-home/blobs');
    expect(localCloudEnv(STATE, { BLOB_DIR: '/tmp/other' }).BLOB_DIR).toBe('/tmp/other');
  });
});
