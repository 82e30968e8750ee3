import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ApiError } from '../../api/errors/api-error.js';

/**
 * Parses a gateway's Ed25519 public key (SPKI DER, base64). The gateway generates the pair itself;
 * the cloud only ever holds the public half, to verify what the gateway signs.
 */
export function parseGatewayPublicKey(base64: string, path = 'body.publicKey'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new ApiError('validation_failed', 'publicKey is not a base64 SPKI DER public key', {
      errors: [{ path, message: 'expected an Ed25519 public key, SPKI DER encoded as base64' }],
    });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ApiError('validation_failed', `publicKey is a ${key.asymmetricKeyType ?? 'unknown'} key; gateways sign with Ed25519`, {
      errors: [{ path, message: 'expected an Ed25519 key' }],
    });
  }
  return key;
}

/** Verifies an Ed25519 signature (base64) over a message with a stored gateway public key. */
export function verifyGatewaySignature(publicKeyBase64: string, message: string, signatureBase64: string): boolean {
  const key = createPublicKey({ key: Buffer.from(publicKeyBase64, 'base64'), format: 'der', type: 'spki' });
  const signature = Buffer.from(signatureBase64, 'base64');
  if (signature.length !== 64) return false;
  return verify(null, Buffer.from(message, 'utf8'), key, signature);
}
