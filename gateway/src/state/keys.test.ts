import { chmodSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeEach, describe, expect, it } from 'vitest';

import { ensureKeyPair, loadKeyPair, signJson, verifyJson } from './keys.js';
import { ensureStateDir, statePaths } from './state-dir.js';

let stateDir: string;

beforeEach(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'onsite-keys-'));
  await ensureStateDir(stateDir);
});

describe('gateway key pair', () => {
  it('generates an Ed25519 pair once and reloads it', async () => {
    const generated = await ensureKeyPair(stateDir);
    const reloaded = await ensureKeyPair(stateDir);

    expect(generated.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(reloaded.fingerprint).toBe(generated.fingerprint);
    expect(reloaded.publicKeyPem).toContain('BEGIN PUBLIC KEY');
  });

  it.skipIf(process.platform === 'win32')('stores the private key with mode 0600', async () => {
    await ensureKeyPair(stateDir);

    expect(statSync(statePaths(stateDir).privateKey).mode & 0o777).toBe(0o600);
  });

  it.skipIf(process.platform === 'win32')('rejects a private key readable by others', async () => {
    await ensureKeyPair(stateDir);
    chmodSync(statePaths(stateDir).privateKey, 0o644);

    await expect(loadKeyPair(stateDir)).rejects.toThrow('is readable by other users (mode 644)');
  });

  it('returns undefined before a pair is generated', async () => {
    await expect(loadKeyPair(stateDir)).resolves.toBeUndefined();
  });

  it('signs canonical JSON whatever the key order', async () => {
    const { privateKey, publicKey, publicKeyPem } = await ensureKeyPair(stateDir);
    const signature = signJson(privateKey, { b: [1, 2], a: 'x' });

    expect(verifyJson(publicKey, { a: 'x', b: [1, 2] }, signature)).toBe(true);
    expect(verifyJson(publicKeyPem, { a: 'x', b: [1, 2] }, signature)).toBe(true);
  });

  it('rejects a signature over a changed value', async () => {
    const { privateKey, publicKey } = await ensureKeyPair(stateDir);
    const signature = signJson(privateKey, { sum: 1.5 });

    expect(verifyJson(publicKey, { sum: 1.25 }, signature)).toBe(false);
  });

  it('rejects a signature from another key', async () => {
    const ours = await ensureKeyPair(stateDir);
    const otherDir = mkdtempSync(join(tmpdir(), 'onsite-keys-'));
    await ensureStateDir(otherDir);
    const theirs = await ensureKeyPair(otherDir);

    expect(verifyJson(ours.publicKey, { n: 1 }, signJson(theirs.privateKey, { n: 1 }))).toBe(false);
  });
});
