import pino from 'pino';

export type Logger = pino.Logger;

/**
 * The one JSON logger of the cloud side. Fields that could carry a secret are redacted whatever
 * the call site passes, as a second line of defence behind "never log a secret".
 */
export function createLogger(options: { level?: string; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  const settings: pino.LoggerOptions = {
    name: options.name ?? 'onsite-api',
    level: options.level ?? 'info',
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: ['authorization', 'headers.authorization', 'secret', 'token', 'credential', '*.secret', '*.token', '*.credential'],
      censor: '[redacted]',
    },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
