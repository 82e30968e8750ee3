import { readFile } from 'node:fs/promises';

import { z } from 'zod';

import { writeJsonAtomic } from './atomic-write.js';
import { statePaths } from './state-dir.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Cloud API base URL: HTTPS, or plain HTTP to this machine for a local development cloud. */
const apiUrlSchema = z
  .string()
  .url()
  .refine(
    (value) => {
      const url = new URL(value);
      return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
    },
    { message: 'use an https:// URL (plain http:// is accepted only for localhost)' },
  );

/** The gateway's settings, stored as `config.json` in the state folder (mode 0600). */
export const gatewayConfigSchema = z
  .object({
    apiUrl: apiUrlSchema.optional(),
    /** Gateway id assigned by the cloud at enrolment. */
    gatewayId: z.string().min(1).optional(),
    /** Secret the gateway presents to the cloud; never logged or printed. */
    credential: z.string().min(1).optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** Raised when a state file exists but cannot be read or does not match its schema. */
export class StateFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StateFileError';
  }
}

/** Reads `config.json`, returning the defaults when the file does not exist yet. */
export async function readConfig(stateDir: string): Promise<GatewayConfig> {
  const path = statePaths(stateDir).config;
  const content = await readOptionalJson(path);
  return parseStateFile(gatewayConfigSchema, content ?? {}, path);
}

/** Validates and stores the whole configuration. */
export async function writeConfig(stateDir: string, config: GatewayConfig): Promise<void> {
  const parsed = gatewayConfigSchema.parse(config);
  await writeJsonAtomic(statePaths(stateDir).config, parsed);
}

/** Applies a partial change to the stored configuration and returns the result. */
export async function updateConfig(stateDir: string, change: Partial<GatewayConfig>): Promise<GatewayConfig> {
  const next = { ...(await readConfig(stateDir)), ...change };
  await writeConfig(stateDir, next);
  return next;
}

/** Reads and parses a JSON file, or returns undefined when it does not exist. */
export async function readOptionalJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw new StateFileError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }

  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new StateFileError(`${path} is not valid JSON (${(error as Error).message}); restore it or delete it`, {
      cause: error,
    });
  }
}

/** Validates a state file's content, naming the file and every invalid field on failure. */
export function parseStateFile<Schema extends z.ZodType>(schema: Schema, content: unknown, path: string): z.infer<Schema> {
  const result = schema.safeParse(content);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new StateFileError(`${path} is invalid: ${issues}; correct or delete the file`);
  }
  return result.data;
}
