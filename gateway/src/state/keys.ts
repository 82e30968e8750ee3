import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

import { canonicalJson } from '@onsite/compute';

import { PRIVATE_FILE_MODE, writeFileAtomic } from './atomic-write.js';
import { StateFileError } from './config.js';
import { statePaths } from './state-dir.js';

/** The gateway's Ed25519 key pair; the private key never leaves the state folder. */
export interface GatewayKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public key as SPKI PEM, the form sent to the cloud at enrolment. */
  publicKeyPem: string;
  /** SHA-256 (lowercase hex) of the public key's DER encoding, to compare keys at a glance. */
  fingerprint: string;
}

/**
 * Loads the gateway's key pair, generating and storing it on first use. The private key is
 * written as PKCS#8 PEM with mode 0600.
 */
export async function ensureKeyPair(stateDir: string): Promise<GatewayKeyPair> {
  const existing = await loadKeyPair(stateDir);
  if (existing !== undefined) {
    return existing;
  }

  const paths = statePaths(stateDir);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  // Public key first: a crash between the two writes leaves no private key, so the next start
  // generates a fresh pair instead of finding a private key without its public half.
  await writeFileAtomic(paths.publicKey, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  await writeFileAtomic(paths.privateKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: PRIVATE_FILE_MODE,
  });
  return describeKeyPair(privateKey, publicKey);
}

/** Loads the stored key pair, or returns undefined when none was generated yet. */
export async function loadKeyPair(stateDir: string): Promise<GatewayKeyPair | undefined> {
  const paths = statePaths(stateDir);

  let privatePem: string;
  try {
    privatePem = await readFile(paths.privateKey, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  await checkPrivateKeyMode(paths.privateKey);

  const privateKey = createPrivateKey(privatePem);
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new StateFileError(
      `${paths.privateKey} contains a ${privateKey.asymmetricKeyType} key, expected ed25519; move it away to generate a new key pair`,
    );
  }
  return describeKeyPair(privateKey, createPublicKey(privateKey));
}

async function checkPrivateKeyMode(path: string): Promise<void> {
  // POSIX permission bits do not exist on Windows, where Node reports them as 0o666.
  if (process.platform === 'win32') {
    return;
  }
  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) {
    throw new StateFileError(
      `${path} is readable by other users (mode ${(mode & 0o777).toString(8)}); run "chmod 600 ${path}" and start again`,
    );
  }
}

function describeKeyPair(privateKey: KeyObject, publicKey: KeyObject): GatewayKeyPair {
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const fingerprint = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  return { privateKey, publicKey, publicKeyPem, fingerprint };
}

/** Signs a value's canonical JSON with Ed25519 and returns the signature in base64. */
export function signJson(privateKey: KeyObject, value: unknown): string {
  return sign(null, Buffer.from(canonicalJson(value), 'utf8'), privateKey).toString('base64');
}

/** Checks a base64 Ed25519 signature over a value's canonical JSON. */
export function verifyJson(publicKey: KeyObject | string, value: unknown, signature: string): boolean {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return verify(null, Buffer.from(canonicalJson(value), 'utf8'), key, Buffer.from(signature, 'base64'));
}
