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
