import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { SecurityScheme } from '../../functions/api/openapi/define-route.js';

/** One operation of the committed contract, as the shared suites need it. */
export interface ContractOperation {
  operationId: string;
  method: string;
  /** OpenAPI path template, e.g. `/v1/projects/{projectId}`. */
  path: string;
  security: SecurityScheme;
  pathParameters: Array<{ name: string; pattern: string | undefined }>;
  /** JSON schema of the request body, with `$ref`s left in place, or undefined without a body. */
  bodySchema: JsonSchema | undefined;
}

export type JsonSchema = Record<string, unknown>;

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema> };
}

interface OpenApiOperation {
  operationId: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; schema?: { pattern?: string } }>;
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);
const contractPath = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));

/** Reads openapi.yaml once: the suites cover what the contract publishes, so a new route is covered as soon as it is generated. */
export function readContract(): { operations: ContractOperation[]; schemas: Record<string, JsonSchema> } {
  const document = parse(readFileSync(contractPath, 'utf8')) as OpenApiDocument;
  const operations: ContractOperation[] = [];

  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      const scheme = Object.keys(operation.security?.[0] ?? {})[0];
      operations.push({
        operationId: operation.operationId,
        method: method.toUpperCase(),
        path,
        security: (scheme ?? 'none') as SecurityScheme,
        pathParameters: (operation.parameters ?? [])
          .filter((parameter) => parameter.in === 'path')
          .map((parameter) => ({ name: parameter.name, pattern: parameter.schema?.pattern })),
        bodySchema: operation.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return { operations, schemas: document.components.schemas };
}

/** Builds a concrete path from a template and parameter values. */
export function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name} of ${template}`);
    return value;
  });
}

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const ID_PATTERN = /^\^([a-z]+)_\[a-z2-7\]\{32\}\$$/;

/** Creates a random, well-formed id that matches an id pattern such as `^prj_[a-z2-7]{32}$` and names no row. */
export function randomIdFor(pattern: string | undefined): string {
  const prefix = pattern ? ID_PATTERN.exec(pattern)?.[1] : undefined;
  if (!prefix) throw new Error(`path parameter pattern ${pattern ?? '(none)'} is not a prefixed id pattern`);
  let suffix = '';
  for (let index = 0; index < 32; index += 1) suffix += BASE32_ALPHABET[Math.floor(Math.random() * 32)];
  return `${prefix}_${suffix}`;
}

/**
 * Builds a request body that satisfies a JSON schema's types, required properties, enums,
 * formats, lengths and id patterns: the schema's example where it has one, otherwise the smallest
 * valid value. Rules that only code states (zod refinements) are not visible here, so a route
 * whose refinements reject this sample needs an explicit body in the suite's table.
 */
export function sampleFromSchema(schema: JsonSchema, schemas: Record<string, JsonSchema>): unknown {
  const reference = schema.$ref;
  if (typeof reference === 'string') {
    const name = reference.replace('#/components/schemas/', '');
    const target = schemas[name];
    if (!target) throw new Error(`schema ${reference} is not in components.schemas`);
    return sampleFromSchema(target, schemas);
  }
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options)) {
      const nonNull = (options as JsonSchema[]).find((option) => option.type !== 'null') ?? options[0];
      return sampleFromSchema(nonNull as JsonSchema, schemas);
    }
  }
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...(schema.allOf as JsonSchema[]).map((part) => sampleFromSchema(part, schemas)));
  }

  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((candidate) => candidate !== 'null') : schema.type;
  switch (type) {
    case 'string':
      return sampleString(schema);
    case 'integer':
    case 'number':
      if (typeof schema.minimum === 'number') return schema.minimum;
      if (typeof schema.exclusiveMinimum === 'number') return schema.exclusiveMinimum + 1;
      return 1;
    case 'boolean':
      return true;
    case 'array': {
      const count = Math.max(typeof schema.minItems === 'number' ? schema.minItems : 0, 1);
      const items = (schema.items ?? {}) as JsonSchema;
      return Array.from({ length: count }, () => sampleFromSchema(items, schemas));
    }
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = (schema.required ?? []) as string[];
      return Object.fromEntries(required.map((name) => [name, sampleFromSchema(properties[name] ?? {}, schemas)]));
    }
    default:
      return 'sample';
  }
}

function sampleString(schema: JsonSchema): string {
  if (typeof schema.pattern === 'string' && ID_PATTERN.test(schema.pattern)) return randomIdFor(schema.pattern);
  // A fixed-length character class such as `^[0-9a-f]{64}$` (a SHA-256 in hex): repeat its first character.
  const fixedClass = typeof schema.pattern === 'string' ? /^\^\[(.)[^\]]*\]\{(\d+)\}\$$/.exec(schema.pattern) : null;
  if (fixedClass?.[1] && fixedClass[2]) return fixedClass[1].repeat(Number(fixedClass[2]));
  if (schema.format === 'date') return '2099-12-31';
  if (schema.format === 'date-time') return '2099-12-31T00:00:00.000Z';
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  return 'sample'.padEnd(minLength, 'x');
}
