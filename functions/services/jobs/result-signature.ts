import { createPublicKey, verify } from 'node:crypto';
import { canonicalJson } from '@onsite/compute';

/** The fields a gateway signs when it submits a result. */
export interface SignedResultFields {
  taskId: string;
  leaseToken: string;
  artifactSha256: string;
  sampleCount: number;
  metrics: Record<string, number>;
}

/**
 * Returns the exact bytes a gateway signs: the UTF-8 canonical JSON (keys sorted, no white space) of the
 * five fields. Binding the lease token means a signature cannot be replayed under another lease.
 */
export function resultSigningPayload(fields: SignedResultFields): Uint8Array {
  return new TextEncoder().encode(
    canonicalJson({ taskId: fields.taskId, leaseToken: fields.leaseToken, artifactSha256: fields.artifactSha256, sampleCount: fields.sampleCount, metrics: fields.metrics }),
  );
}

/**
 * Verifies an Ed25519 signature (base64) over the payload with a public key in SPKI DER, base64
 * (as stored in `gateways.public_key`). Returns false for a malformed key or signature too.
 */
export function verifyResultSignature(publicKeySpkiBase64: string, fields: SignedResultFields, signatureBase64: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKeySpkiBase64, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, resultSigningPayload(fields), key, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}
