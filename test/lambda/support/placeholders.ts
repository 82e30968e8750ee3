import { ID_PREFIXES } from '../../../db/ids.js';
import { SECRET_PREFIXES } from '../../../functions/services/auth/secrets.js';

// Values that differ between two databases or two calls even when both served a request alike:
// prefixed ids, bearer secrets, timestamps, lease tokens and presigned URL signatures.
const ID_PATTERN = new RegExp(`\\b(${Object.values(ID_PREFIXES).join('|')})_[a-z2-7]{32}\\b`, 'g');
const SECRET_PATTERN = new RegExp(`\\b(${Object.values(SECRET_PREFIXES).join('|')})[A-Za-z0-9_-]{43}`, 'g');
const TIMESTAMP_PATTERN = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;

/**
 * Fields whose whole value is random or derived from a random value, by name: lease tokens, the
 * shown start of an API key's secret, and the Ed25519 public key a test generates per gateway.
 */
const RANDOM_FIELDS = new Set(['leaseToken', 'prefix', 'publicKey']);

/** Query parameters of the filesystem blob store's presigned URLs that carry the expiry and the HMAC. */
const SIGNED_URL_PARAMETERS = new Set(['expires', 'signature']);

/**
 * Replaces volatile values in JSON with placeholders, so two runs of one scenario on two databases
 * compare equal when their responses have the same shape and the same stable values. Ids and
 * secrets are numbered in the order they first appear (`<org 1>`, `<onsk_ 2>`), so the comparison
 * also checks that both runs refer to the same entities in the same places. Timestamps all become
 * `<timestamp>`. Use one instance per run and mask its responses in the order they arrived.
 */
export class VolatileValueMasker {
  private readonly placeholders = new Map<string, string>();
  private readonly countsByKind = new Map<string, number>();

  mask(value: unknown, key?: string): unknown {
    if (typeof value === 'string') return key !== undefined && RANDOM_FIELDS.has(key) ? `<${key}>` : this.maskString(value);
    if (Array.isArray(value)) return value.map((item) => this.mask(item));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, this.mask(item, name)]));
    }
    return value;
  }

  private maskString(value: string): string {
    let text = value;
    if (/^https?:\/\//.test(value)) {
      const url = new URL(value);
      for (const name of [...url.searchParams.keys()]) {
        if (SIGNED_URL_PARAMETERS.has(name)) url.searchParams.set(name, `<${name}>`);
      }
      // Decoded, so the ids inside the path and the key parameter match the patterns below.
      text = decodeURIComponent(url.toString());
    }

    return text
      .replace(ID_PATTERN, (id, prefix: string) => this.placeholderFor(prefix, id))
      .replace(SECRET_PATTERN, (secret, prefix: string) => this.placeholderFor(prefix, secret))
      .replace(TIMESTAMP_PATTERN, '<timestamp>');
  }

  private placeholderFor(kind: string, value: string): string {
    const known = this.placeholders.get(value);
    if (known !== undefined) return known;

    const count = (this.countsByKind.get(kind) ?? 0) + 1;
    this.countsByKind.set(kind, count);
    const placeholder = `<${kind} ${count}>`;
    this.placeholders.set(value, placeholder);
    return placeholder;
  }
}
