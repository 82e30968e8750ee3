import { describe, expect, it } from 'vitest';
import { validateBlobKey } from './blob-key.js';
import { InvalidBlobKeyError } from './errors.js';

describe('validateBlobKey', () => {
  it.each([
    'org_x/jobs/job_y/rounds/3/tasks/tsk_z/update.safetensors',
    'org_x/models/mdl_1/versions/2/model.onnx',
    'a',
    '.hidden/file',
    `org_x/${'a'.repeat(200)}`,
  ])('accepts %s', (key) => {
    expect(() => validateBlobKey(key)).not.toThrow();
  });

  it.each([
    ['an empty key', '', /non-empty/],
    ['a leading slash', '/org_x/update.bin', /relative/],
    ['a ".." segment', 'org_x/../secrets', /"\.\." is not allowed/],
    ['a "." segment', 'org_x/./update.bin', /"\." is not allowed/],
    ['an empty segment', 'org_x//update.bin', /empty segment/],
    ['a trailing slash', 'org_x/', /empty segment/],
    ['a space', 'org_x/my file', /only letters/],
    ['a tilde', 'org_x/update~blob', /only letters/],
    ['a percent sign', 'org_x/%2e%2e', /only letters/],
    ['a line break', 'org_x/a\nb', /only letters/],
    ['non-ASCII letters', 'org_x/modèle.bin', /only letters/],
    ['a segment over 200 characters', `org_x/${'a'.repeat(201)}`, /segment has 201 characters/],
    ['over 1,024 characters', `${'abcdefgh/'.repeat(114)}abc`, /1029 characters/],
  ])('rejects %s', (_case, key, message) => {
    const error = (() => {
      try {
        validateBlobKey(key);
        return undefined;
      } catch (caught) {
        return caught;
      }
    })();

    expect(error).toBeInstanceOf(InvalidBlobKeyError);
    expect((error as InvalidBlobKeyError).key).toBe(key);
    expect((error as Error).message).toMatch(message);
  });
});
