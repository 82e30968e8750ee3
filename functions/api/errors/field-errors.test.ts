import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldErrorsFromZod } from './field-errors.js';

/** One field of every kind a request schema uses, each required. */
const everyKindSchema = z
  .object({
    name: z.string(),
    count: z.number().int(),
    enabled: z.boolean(),
    kind: z.enum(['train', 'evaluate']),
    version: z.literal('v1'),
    positive: z.union([z.string(), z.number()]),
    settings: z.object({ rounds: z.number() }),
    tags: z.array(z.string()),
    labels: z.record(z.string(), z.string()),
    note: z.string().nullable(),
    outcome: z.discriminatedUnion('kind', [z.object({ kind: z.literal('survival') }), z.object({ kind: z.literal('binary') })]),
  })
  .strict();

const validBody = {
  name: 'a',
  count: 1,
  enabled: true,
  kind: 'train',
  version: 'v1',
  positive: 1,
  settings: { rounds: 3 },
  tags: [],
  labels: {},
  note: null,
  outcome: { kind: 'survival' },
};

/** Field errors of `value` under `schema`, keyed by path. */
function messagesOf(schema: z.ZodType, value: unknown, part = 'body'): Record<string, string> {
  const result = schema.safeParse(value);
  if (result.success) throw new Error(`expected ${JSON.stringify(value)} to fail validation`);
  return Object.fromEntries(fieldErrorsFromZod(result.error, part, { value }).map((error) => [error.path, error.message]));
}

describe('fieldErrorsFromZod', () => {
  it.each([
    ['name', 'missing; this field is required (string)'],
    ['count', 'missing; this field is required (number)'],
    ['enabled', 'missing; this field is required (boolean)'],
    ['kind', 'missing; this field is required (one of "train", "evaluate")'],
    ['version', 'missing; this field is required ("v1")'],
    ['positive', 'missing; this field is required (string or number)'],
    ['settings', 'missing; this field is required (object)'],
    ['tags', 'missing; this field is required (array)'],
    ['labels', 'missing; this field is required (object)'],
    ['note', 'missing; this field is required (string)'],
    ['outcome', 'missing; this field is required (object)'],
  ])('words a missing %s as missing', (field, message) => {
    const body: Record<string, unknown> = { ...validBody };
    delete body[field];

    expect(messagesOf(everyKindSchema, body)).toEqual({ [`body.${field}`]: message });
  });

  it('words a missing discriminator as missing', () => {
    const messages = messagesOf(everyKindSchema, { ...validBody, outcome: {} });

    expect(messages).toEqual({ 'body.outcome.kind': 'missing; this field is required (one of "survival", "binary")' });
  });

  it('words a missing nested number as missing', () => {
    const messages = messagesOf(everyKindSchema, { ...validBody, settings: {} });

    expect(messages).toEqual({ 'body.settings.rounds': 'missing; this field is required (number)' });
  });

  it('echoes a wrong enum value with the allowed ones', () => {
    const messages = messagesOf(everyKindSchema, { ...validBody, kind: 'infer' });

    expect(messages['body.kind']).toBe('Invalid option: expected one of "train"|"evaluate", received "infer"');
  });

  it('echoes a wrong literal value', () => {
    const messages = messagesOf(everyKindSchema, { ...validBody, version: 2 });

    expect(messages['body.version']).toBe('Invalid input: expected "v1", received 2');
  });

  it('echoes a wrong discriminator value', () => {
    const messages = messagesOf(everyKindSchema, { ...validBody, outcome: { kind: 'ordinal' } });

    expect(messages['body.outcome.kind']).toBe("Invalid discriminator value. Expected 'survival' | 'binary', received \"ordinal\"");
  });

  it('treats null as a wrong value, not a missing one', () => {
    const messages = messagesOf(everyKindSchema, { ...validBody, kind: null, name: null });

    expect(messages['body.kind']).toBe('Invalid option: expected one of "train"|"evaluate", received null');
    expect(messages['body.name']).toBe('Invalid input: expected string, received null');
  });

  it('keeps the message of a wrong type', () => {
    const messages = messagesOf(everyKindSchema, { ...validBody, count: 'many', tags: 'a' });

    expect(messages).toEqual({ 'body.count': 'Invalid input: expected number, received string', 'body.tags': 'Invalid input: expected array, received string' });
  });

  it('cuts a long echoed value', () => {
    const messages = messagesOf(everyKindSchema, { ...validBody, kind: 'x'.repeat(500) });

    expect(messages['body.kind']).toBe(`Invalid option: expected one of "train"|"evaluate", received "${'x'.repeat(58)}…`);
  });

  it('keeps a refinement message on an absent field', () => {
    const schema = z
      .object({ method: z.string(), rounds: z.number().optional() })
      .refine((value) => value.method !== 'fedavg' || value.rounds !== undefined, { message: 'set rounds when method is fedavg', path: ['rounds'] });

    expect(messagesOf(schema, { method: 'fedavg' })).toEqual({ 'body.rounds': 'set rounds when method is fedavg' });
  });

  it('names a missing query parameter', () => {
    const schema = z.object({ limit: z.coerce.number().int(), state: z.enum(['open', 'closed']) });

    expect(messagesOf(schema, {}, 'query')).toEqual({
      'query.limit': 'missing; this query parameter is required (number)',
      'query.state': 'missing; this query parameter is required (one of "open", "closed")',
    });
  });

  it('names a missing request body', () => {
    const schema = z.object({ name: z.string() });

    expect(messagesOf(schema, undefined)).toEqual({ body: 'missing; this field is required (object)' });
  });

  it('reports unknown fields at their own path', () => {
    expect(messagesOf(everyKindSchema, { ...validBody, rows: [[1]] })).toEqual({ 'body.rows': 'unknown field; remove it' });
  });

  it('falls back to zod messages without input', () => {
    const result = everyKindSchema.safeParse({ ...validBody, name: undefined, kind: undefined });
    if (result.success) throw new Error('expected the body to fail validation');

    const messages = Object.fromEntries(fieldErrorsFromZod(result.error, 'body').map((error) => [error.path, error.message]));

    expect(messages).toEqual({
      'body.name': 'missing; this field is required (string)',
      'body.kind': 'Invalid option: expected one of "train"|"evaluate"',
    });
  });
});
