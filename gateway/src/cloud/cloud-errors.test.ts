import { describe, expect, it } from 'vitest';

import { ApiProblemError } from './api-client.js';
import { BlobTransferError, classifyCloudFailure, describeError } from './cloud-errors.js';

function problem(status: number, errors: { path: string; message: string }[] = []): ApiProblemError {
  return new ApiProblemError(new Response(null, { status }), { code: 'conflict', status, detail: `status ${status}`, title: 'Problem', type: 'about:blank', errors });
}

describe('classifyCloudFailure', () => {
  it.each([
    { name: 'a refused connection', error: new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }) },
    { name: 'a 503', error: problem(503) },
    { name: 'a 429', error: problem(429) },
    { name: 'a revoked credential (401)', error: problem(401) },
    { name: 'a blob store outage', error: new BlobTransferError('upload failed', 502) },
    { name: 'an expired presigned URL (403)', error: new BlobTransferError('upload failed', 403) },
    { name: 'a blob network error', error: new BlobTransferError('upload failed', undefined) },
  ])('retries after $name', ({ error }) => {
    expect(classifyCloudFailure(error).action).toBe('retry');
  });

  it.each([
    { name: 'a lost lease', error: problem(409, [{ path: 'body.leaseToken', message: 'lease_expired' }]), leaseProblem: 'lease_expired' },
    { name: 'an unknown task', error: problem(404), leaseProblem: undefined },
    { name: 'an invalid request', error: problem(422), leaseProblem: undefined },
    { name: 'a rejected blob', error: new BlobTransferError('upload failed', 400), leaseProblem: undefined },
  ])('drops after $name', ({ error, leaseProblem }) => {
    const failure = classifyCloudFailure(error);

    expect(failure).toMatchObject({ action: 'drop' });
    expect(failure.action === 'drop' ? failure.leaseProblem : 'not dropped').toBe(leaseProblem);
  });
});

describe('describeError', () => {
  it('appends the cause that fetch hides', () => {
    const error = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });

    expect(describeError(error)).toBe('fetch failed: connect ECONNREFUSED 127.0.0.1:9');
  });
});
