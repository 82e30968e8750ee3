import { describe, expect, it } from 'vitest';
import { InvalidBlobRequestError } from './errors.js';
import { normalizeCompletedParts, validateContentType } from './request-options.js';

describe('normalizeCompletedParts', () => {
  it('removes the double quotes of ETags', () => {
    const parts = normalizeCompletedParts([
      { partNumber: 1, etag: '"abc"' },
      { partNumber: 2, etag: 'def' },
    ]);

    expect(parts).toEqual([
      { partNumber: 1, etag: 'abc' },
      { partNumber: 2, etag: 'def' },
    ]);
  });

  it.each([
    ['an empty list', [], /at least one/],
    ['a list starting at 2', [{ partNumber: 2, etag: 'a' }], /part 1 is missing/],
    [
      'a repeated part',
      [
        { partNumber: 1, etag: 'a' },
        { partNumber: 1, etag: 'b' },
      ],
      /part 2 is missing/,
    ],
    ['an empty ETag', [{ partNumber: 1, etag: '""' }], /part 1 has no ETag/],
  ])('rejects %s', (_case, parts, message) => {
    expect(() => normalizeCompletedParts(parts)).toThrow(InvalidBlobRequestError);
    expect(() => normalizeCompletedParts(parts)).toThrow(message);
  });
});

describe('validateContentType', () => {
  it.each(['application/octet-stream', 'text/csv; charset=utf-8', 'application/json;profile="a b"'])('accepts %s', (type) => {
    expect(() => validateContentType(type)).not.toThrow();
  });

  it.each(['', 'octet-stream', 'text/plain\r\nx-evil: 1', 'text/plain;\n charset=utf-8', 'a/b; x="\u0001"'])(
    'rejects %j',
    (type) => {
      expect(() => validateContentType(type)).toThrow(InvalidBlobRequestError);
    },
  );
});
