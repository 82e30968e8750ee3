import { pino, type DestinationStream, type Level, type Logger } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = Level | 'silent';

/**
 * Field names whose values are replaced by `[Redacted]` wherever they appear at the top level or
 * one object deep. They cover the gateway's secrets: its credential, enrolment token, private key
 * and HTTP authorisation headers.
 */
const SECRET_FIELDS = ['credential', 'token', 'enrollmentToken', 'privateKey', 'authorization', 'apiKey', 'password', 'secret'];

export const REDACTED_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  'headers.authorization',
  'req.headers.authorization',
];

export interface LoggerOptions {
  level?: LogLevel;
  /** Destination of the JSON lines (default: standard error, so that standard output stays for command output). */
  destination?: DestinationStream;
  /** Fields added to every line, for example `{ gatewayId }`. */
  base?: Record<string, unknown>;
}

/**
 * Creates the gateway's JSON logger. Log ids and counts only: a patient value must never be
 * passed to it, and the fields in `REDACTED_PATHS` are masked as a safety net for secrets.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'onsite-gateway', ...options.base },
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination(2),
  );
}
