import { describe, expect, it } from 'vitest';
import {
  buildLocalBlobUrl,
  parseLocalBlobQuery,
  signLocalBlobGrant,
  validateSigningSecret,
  verifyLocalBlobSignature,
  type LocalBlobGrant,
} from './local-url-signature.js';

const SECRET = 'signature-test-secret-0123456789abcdef';

const grant: LocalBlobGrant = {
  method: 'PUT',
  key: 'org_x/jobs/job_y/update.safetensors',
  expiresAtSeconds: 1_900_000_000,
  contentLength: 1024,
};

function queryOf(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams);
}

describe('local blob URL signature', () => {
  it('builds a URL whose query parses back to the grant and verifies', () => {
    const url = buildLocalBlobUrl('http://127.0.0.1:8787/', grant, SECRET);
    const parsed = parseLocalBlobQuery('PUT', grant.key, queryOf(url));

    expect(new URL(url).pathname).toBe('/blobs/org_x/jobs/job_y/update.safetensors');
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.grant).toEqual(grant);
      expect(verifyLocalBlobSignature(parsed.grant, parsed.signature, SECRET)).toBe(true);
    }
  });

  it('keeps a path prefix of the public base URL', () => {
    const url = buildLocalBlobUrl('https://api.example.test/local', grant, SECRET);

    expect(new URL(url).pathname).toBe('/local/blobs/org_x/jobs/job_y/update.safetensors');
  });

  it.each<[string, Partial<LocalBlobGrant>]>([
    ['method', { method: 'GET' }],
    ['key', { key: 'org_other/jobs/job_y/update.safetensors' }],
    ['expiry', { expiresAtSeconds: grant.expiresAtSeconds + 3600 }],
    ['content length', { contentLength: 2048 }],
    ['missing content length', { contentLength: undefined }],
    ['upload id', { uploadId: '0123456789abcdef0123456789abcdef', partNumber: 1 }],
  ])('rejects a signature when the %s changes', (_field, change) => {
    const signature = signLocalBlobGrant(grant, SECRET);

    expect(verifyLocalBlobSignature({ ...grant, ...change }, signature, SECRET)).toBe(false);
  });

  it('rejects a signature made with another secret', () => {
    const signature = signLocalBlobGrant(grant, 'another-secret-0123456789abcdef-0123');

    expect(verifyLocalBlobSignature(grant, signature, SECRET)).toBe(false);
  });

  it.each([
    ['a truncated signature', (signature: string) => signature.slice(0, 20)],
    ['an empty signature', () => ''],
    ['a signature with one character changed', (signature: string) => `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`],
  ])('rejects %s', (_case, tamper) => {
    const signature = tamper(signLocalBlobGrant(grant, SECRET));

    expect(verifyLocalBlobSignature(grant, signature, SECRET)).toBe(false);
  });

  it.each([
    ['no signature', { expires: '1900000000' }, /no signature/],
    ['no expiry', { signature: 'abc' }, /"expires"/],
    ['a negative expiry', { signature: 'abc', expires: '-5' }, /"expires"/],
    ['a malformed content length', { signature: 'abc', expires: '1', contentLength: '1e3' }, /"contentLength"/],
    ['an upload id without part number', { signature: 'abc', expires: '1', uploadId: 'x' }, /both "uploadId" and "partNumber"/],
  ])('parseLocalBlobQuery rejects %s', (_case, query, reason) => {
    const parsed = parseLocalBlobQuery('GET', 'org_x/a', query);

    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.reason).toMatch(reason);
    }
  });

  it('validateSigningSecret rejects a short secret', () => {
    expect(() => validateSigningSecret('too-short')).toThrow(/at least 32/);
  });
});
