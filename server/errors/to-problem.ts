import { AppError, MalformedRequestError, PayloadTooLargeError, ServiceUnavailableError, UnsupportedMediaTypeError, ValidationError } from './app-error';

/** An RFC 9457 problem document as Gemba sends it. */
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  requestId?: string;
  [extension: string]: unknown;
};

const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Turns anything thrown while handling a request into an AppError, or `undefined` when it
 * is a programmer error that must become an opaque 500.
 */
export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { status?: number; type?: string; code?: string; message?: string; name?: string };

  // co-body (behind @koa/bodyparser) reports body problems with these types.
  if (e.type === 'entity.too.large' || e.status === 413) return new PayloadTooLargeError('The request body exceeds the allowed size');
  if (e.type === 'entity.parse.failed') return new MalformedRequestError('The request body is not valid JSON');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported' || e.status === 415) {
    return new UnsupportedMediaTypeError(e.message);
  }
  if (e.type === 'request.size.invalid' || e.type === 'request.aborted') return new MalformedRequestError(e.message);

  if (typeof e.code === 'string') {
    // PostgreSQL data exceptions (class 22): input the database cannot store, e.g. NUL in text.
    if (/^22[0-9A-Z]{3}$/.test(e.code)) return new ValidationError('A value cannot be stored', [{ path: '', message: 'invalid value' }]);
    // Connection failures and server shutdown: the database is not reachable right now.
    if (CONNECTION_ERROR_CODES.has(e.code) || /^(08|57P)/.test(e.code)) {
      return new ServiceUnavailableError('The database is not reachable; try again shortly');
    }
  }
  if (e.name === 'KnexTimeoutError') return new ServiceUnavailableError('The database is busy or not reachable; try again shortly');
  if (typeof e.message === 'string' && /Connection terminated|connection is closed|Client was closed/i.test(e.message)) {
    return new ServiceUnavailableError('The database is not reachable; try again shortly');
  }
  return undefined;
}

/** Builds the problem body for an AppError. */
export function toProblem(error: AppError, instance?: string, requestId?: string): Problem {
  return {
    type: `/problems/${error.code}`,
    title: error.title,
    status: error.status,
    ...(error.detail ? { detail: error.detail } : {}),
    ...(instance ? { instance } : {}),
    code: error.code,
    ...(requestId ? { requestId } : {}),
    ...error.extensions,
  };
}

/** The body of a 500: nothing about the cause leaves the server. */
export function internalProblem(instance?: string, requestId?: string): Problem {
  return {
    type: '/problems/internal',
    title: 'Internal server error',
    status: 500,
    detail: 'An unexpected error occurred; it has been logged with the request id.',
    ...(instance ? { instance } : {}),
    code: 'internal',
    ...(requestId ? { requestId } : {}),
  };
}
