import pino from 'pino';

export type Logger = pino.Logger;

/** Creates the process logger. Secrets that may pass through request logs are redacted. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'gemba', ...base },
    redact: {
      paths: ['password', '*.password', 'newPassword', 'currentPassword', 'headers.authorization', 'headers["x-api-key"]', 'apiKey', 'token'],
      censor: '[redacted]',
    },
  });
}

/**
 * Ends a command-line entry point (server, migrate, cluster) that failed before or while starting:
 * one fatal log line (an invalid configuration lists every bad variable), exit code 1. Without a
 * valid configuration there is no configured level, so this logs at the default one.
 */
export function exitWithFatal(error: unknown, message: string): never {
  const logger = createLogger('info');
  const problems = (error as { problems?: unknown }).problems;
  if (error instanceof Error && error.name === 'ConfigError' && Array.isArray(problems)) logger.fatal({ problems }, error.message);
  else logger.fatal({ err: error }, message);
  logger.flush();
  process.exit(1);
}
