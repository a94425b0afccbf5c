import { AppError } from '../errors/app-error';
import { toAppError } from '../errors/to-problem';

/**
 * Camunda's "bad user request": the task exists but the caller may not do this to it now (it is
 * locked by another worker, or not locked at all). Camunda's REST API answers it with 400.
 */
export class ExternalTaskLockError extends AppError {
  readonly status = 400;
  readonly code = 'external_task_not_locked_by_worker';
  readonly title = 'The external task is not locked by this worker';
}

/** The body Camunda 7's REST API sends with an error status: `{type, message}`. */
export type CamundaErrorBody = { type: string; message: string; requestId?: string };

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'InvalidRequestException',
  401: 'AuthenticationException',
  403: 'AuthorizationException',
  404: 'InvalidRequestException',
  409: 'OptimisticLockingException',
  413: 'InvalidRequestException',
  415: 'InvalidRequestException',
  503: 'ProcessEngineException',
};

/**
 * Maps anything thrown under `/engine-rest` to Camunda's error format, keeping Gemba's status
 * codes (which match Camunda's for these cases). Unknown errors become an opaque 500, as everywhere.
 */
export function toCamundaError(error: unknown, requestId?: string): { status: number; body: CamundaErrorBody; known: boolean } {
  const appError = toAppError(error);
  if (!appError) {
    return { status: 500, body: { type: 'ProcessEngineException', message: 'An unexpected error occurred; it has been logged with the request id.', requestId }, known: false };
  }
  const type = appError instanceof ExternalTaskLockError ? 'BadUserRequestException' : (TYPE_BY_STATUS[appError.status] ?? 'ProcessEngineException');
  return { status: appError.status, body: { type, message: appError.detail ?? appError.title, requestId }, known: true };
}
