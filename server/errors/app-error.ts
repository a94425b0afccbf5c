/** One entry of a problem's `errors` list: where in the input, and what is wrong there. */
export type FieldError = { path: string; message: string; [extra: string]: unknown };

/**
 * Base of every error that the API reports as an RFC 9457 problem.
 * Each subclass fixes the HTTP status and the stable machine-readable `code`.
 */
export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  abstract readonly title: string;

  constructor(
    public readonly detail?: string,
    public readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly code: string = 'validation_failed';
  readonly title = 'The request is not valid';
  constructor(detail: string, public readonly errors: FieldError[] = []) {
    super(detail, { errors });
  }
}

export class MalformedRequestError extends AppError {
  readonly status = 400;
  readonly code = 'malformed_request';
  readonly title = 'The request body could not be read';
}

export class AuthenticationError extends AppError {
  readonly status = 401;
  readonly code: string = 'unauthenticated';
  readonly title = 'Authentication is required';
}

/** A valid user whose account is locked after too many failed attempts. */
export class AccountLockedError extends AuthenticationError {
  override readonly code = 'account_locked';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code: string = 'forbidden';
  readonly title = 'This action is not allowed';
}

/** The user must change an administrator-set password before signing anything (11.200(a)(3)). */
export class PasswordChangeRequiredError extends ForbiddenError {
  override readonly code = 'password_change_required';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'not_found';
  readonly title = 'Not found';
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly code = 'conflict';
  readonly title = 'The request conflicts with the current state';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'payload_too_large';
  readonly title = 'The request body is too large';
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly code = 'unsupported_media_type';
  readonly title = 'The request body has an unsupported media type';
}

export class UnprocessableError extends AppError {
  readonly status = 422;
  readonly code: string = 'bpmn_invalid';
  readonly title: string = 'The model cannot be accepted';
  constructor(detail: string, public readonly errors: FieldError[] = []) {
    super(detail, { errors });
  }
}

export class ServiceUnavailableError extends AppError {
  readonly status = 503;
  readonly code = 'service_unavailable';
  readonly title = 'The service is temporarily unavailable';
}

export class EquipmentUnavailableError extends AppError {
  readonly status = 502;
  readonly code = 'equipment_unavailable';
  readonly title = 'The equipment could not be reached';
}

export class EquipmentTimeoutError extends AppError {
  readonly status = 504;
  readonly code = 'equipment_timeout';
  readonly title = 'The equipment did not answer in time';
}

/** A session that ended: idle timeout, absolute lifetime, logout or an administrator's action. */
export class SessionExpiredError extends AuthenticationError {
  override readonly code = 'session_expired';
}
