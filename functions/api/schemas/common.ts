import { z } from '@hono/zod-openapi';
import { ID_PREFIXES, idPattern, type IdKind } from '../../../db/ids.js';
import { ROLES } from '../../../db/schema/index.js';

/** A prefixed id of one kind, validated by pattern so a malformed id is a 400 naming the field. */
export function idSchema(kind: IdKind) {
  return z
    .string()
    .regex(idPattern(kind), `must be a ${ID_PREFIXES[kind]}_ id`)
    .openapi({ example: `${ID_PREFIXES[kind]}_${'a'.repeat(32)}` });
}

/** Path parameter object for one id, e.g. `{ projectId }`. */
export function idParams<const Name extends string>(name: Name, kind: IdKind) {
  return z.object({ [name]: idSchema(kind).openapi({ param: { name, in: 'path' } }) } as { [K in Name]: ReturnType<typeof idSchema> });
}

export const timestampSchema = z.string().datetime().openapi({ example: '2026-12-04T09:30:00.000Z' });

export const roleSchema = z.enum(ROLES).openapi('Role', {
  description: 'owner and admin manage the organization; data_scientist defines models and jobs; data_officer approves data use; viewer reads.',
});

/** Human-readable names: trimmed, no control characters. */
export const nameSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  // The Unicode Cc range spelt out: zod-to-openapi 9.1 appends regex flags to the pattern, so `/^[^\p{Cc}]*$/u`
  // would be published as the pattern `^[^\p{Cc}]*$/u`, which no string matches.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  .regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'must not contain control characters');

export const descriptionSchema = z.string().max(4000);

export function iso(value: Date): string;
export function iso(value: Date | null): string | null;
export function iso(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}
