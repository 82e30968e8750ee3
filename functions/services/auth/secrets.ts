import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer secrets: a readable prefix that tells what the secret is for, then 32 random bytes
 * (256 bits) in base64url. Only the SHA-256 is stored; a fast hash is enough because the secret
 * has full entropy and cannot be guessed from a dictionary.
 */
export const SECRET_PREFIXES = {
  apiKey: 'onsk_',
  gatewayCredential: 'ongw_',
  enrolmentToken: 'onen_',
} as const;

export function newSecret(kind: keyof typeof SECRET_PREFIXES): string {
  return `${SECRET_PREFIXES[kind]}${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time comparison of two hex digests of equal length. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
