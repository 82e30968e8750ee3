import type { ZodError, core } from 'zod';
import type { FieldError } from './api-error.js';

/**
 * Maximum length, in characters, of a rejected value echoed in a message. A longer value is cut
 * and ends in "…".
 */
const MAX_ECHOED_VALUE_CHARS = 60;

/** Names of zod's `expected` types as a JSON caller sends them. Other names are used as they are. */
const JSON_TYPE_NAMES: Record<string, string> = { int: 'integer', record: 'object', tuple: 'array' };

/** zod `expected` values that name no JSON type, so the message for a missing field leaves them out. */
const VAGUE_EXPECTED = new Set(['nonoptional', 'never', 'undefined', 'void']);

/** Issue codes that zod raises when the schema at the path itself rejects an absent value. */
const MISSING_VALUE_CODES = new Set<string>(['invalid_type', 'invalid_value', 'invalid_union']);

/**
 * The value zod parsed, boxed so that an absent request part (`{ value: undefined }`) differs from
 * a caller that did not pass the value at all.
 */
export interface ParsedInput {
  value: unknown;
}

/**
 * Turns zod issues into field errors whose path starts with the request part (`body`, `query`,
 * `param`). An unknown field is reported at its own path, so `{"rows": [...]}` names `body.rows`.
 *
 * zod 4 drops `input` from the issues it returns unless the parse sets `reportInput`, and
 * @hono/zod-validator does not set it, so the value at each issue path is read from `parsed`. An
 * absent value reads as missing, with the type or the allowed values to send, and a rejected enum
 * or discriminator value is echoed back. Without `parsed`, only a missing field that zod reports
 * as `invalid_type` reads as missing.
 */
export function fieldErrorsFromZod(error: ZodError, part: string, parsed?: ParsedInput): FieldError[] {
  const noun = fieldNoun(part);
  return error.issues.flatMap((issue) => {
    const base = [part, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...base, key].join('.'), message: 'unknown field; remove it' }));
    }

    const path = base.join('.');
    const value = parsed === undefined ? undefined : valueAtPath(parsed.value, issue.path);
    if (isMissing(issue, parsed, value)) {
      return [{ path, message: missingMessage(issue, noun) }];
    }
    if (parsed !== undefined && rejectsOneOfValues(issue)) {
      return [{ path, message: `${issue.message}, received ${formatReceived(value)}` }];
    }
    return [{ path, message: issue.message }];
  });
}

function fieldNoun(part: string): string {
  const target = part.split('.')[0];
  if (target === 'query') return 'query parameter';
  if (target === 'param') return 'path parameter';
  if (target === 'header') return 'header';
  if (target === 'cookie') return 'cookie';
  return 'field';
}

/**
 * Reads the value at a zod issue path. Only own properties count, so a path ending in
 * `constructor` finds nothing on a plain object. Returns undefined when any step is absent.
 */
function valueAtPath(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function isMissing(issue: core.$ZodIssue, parsed: ParsedInput | undefined, value: unknown): boolean {
  if (parsed === undefined) {
    // zod's English message for an absent value of a typed schema ends with "received undefined".
    return issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
  }
  // A refinement keeps its own message even when it points at an absent field.
  return value === undefined && MISSING_VALUE_CODES.has(issue.code);
}

/** Builds "missing; this field is required (…)", naming the type or the allowed values when the issue has them. */
function missingMessage(issue: core.$ZodIssue, noun: string): string {
  const expected = describeExpected(issue);
  return expected === undefined ? `missing; this ${noun} is required` : `missing; this ${noun} is required (${expected})`;
}

/**
 * Describes what a schema accepts from the issue it raised for an absent value: a type (`number`),
 * allowed values (`one of "train", "evaluate"`), or both joined by "or" for a union. Returns
 * undefined when the issue names neither.
 */
function describeExpected(issue: core.$ZodIssue): string | undefined {
  const types = new Set<string>();
  const values: unknown[] = [];
  collectExpected(issue, types, values);

  const choices = [...types];
  if (values.length > 0) choices.push(formatChoices(values));
  return choices.length > 0 ? choices.join(' or ') : undefined;
}

function collectExpected(issue: core.$ZodIssue, types: Set<string>, values: unknown[]): void {
  if (issue.code === 'invalid_type') {
    if (!VAGUE_EXPECTED.has(issue.expected)) types.add(JSON_TYPE_NAMES[issue.expected] ?? issue.expected);
  } else if (issue.code === 'invalid_value') {
    values.push(...issue.values);
  } else if (issue.code === 'invalid_union') {
    const options = discriminatorOptions(issue);
    if (options.length > 0) {
      values.push(...options);
      return;
    }
    // A plain union lists each option's issues. Only those at the union's own path describe what the
    // option accepts, because an option that failed deeper inside was an object or an array.
    for (const optionIssues of issue.errors) {
      for (const optionIssue of optionIssues) {
        if (optionIssue.path.length === 0) collectExpected(optionIssue, types, values);
      }
    }
  }
}

/** Checks whether zod's message lists the allowed values, as it does for an enum, a literal or a discriminator. */
function rejectsOneOfValues(issue: core.$ZodIssue): boolean {
  if (issue.code === 'invalid_value') return true;
  return issue.code === 'invalid_union' && discriminatorOptions(issue).length > 0;
}

/** Returns the discriminator values of a discriminated union, or none for a plain union. */
function discriminatorOptions(issue: core.$ZodIssueInvalidUnion): readonly unknown[] {
  return 'options' in issue && issue.options !== undefined ? issue.options : [];
}

function formatChoices(values: readonly unknown[]): string {
  const unique = [...new Set(values)];
  if (unique.length === 1) return formatPrimitive(unique[0]);
  return `one of ${unique.map(formatPrimitive).join(', ')}`;
}

function formatPrimitive(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** Formats the value a caller sent as JSON, cut to `MAX_ECHOED_VALUE_CHARS`. */
function formatReceived(value: unknown): string {
  const text = typeof value === 'bigint' ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_ECHOED_VALUE_CHARS ? `${text.slice(0, MAX_ECHOED_VALUE_CHARS - 1)}…` : text;
}
