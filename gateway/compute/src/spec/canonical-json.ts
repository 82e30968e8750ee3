import { createHash } from 'node:crypto';

/**
 * Serialises a JSON value with object keys sorted at every level and no white space, so that two
 * equal specs always give the same bytes and therefore the same SHA-256, whatever the key order
 * of the request that carried them. Rejects values JSON cannot represent exactly.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return JSON.stringify(value);
  }

  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new TypeError(`canonicalJson: ${value} is not a finite number; JSON cannot carry it`);
    }
    return JSON.stringify(value);
  }

  if (Array.isArray(value)) {
    return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  }

  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }

  throw new TypeError(`canonicalJson: values of type ${typeof value} cannot be serialised`);
}

/** SHA-256 (lowercase hex) of a value's canonical JSON. */
export function sha256OfJson(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
