import { ConflictError, NotFoundError, ValidationError } from '../../../server/errors/app-error';
import { internalProblem, toAppError, toProblem } from '../../../server/errors/to-problem';

describe('problem mapping (RFC 9457)', () => {
  it('keeps an AppError’s status, code and extensions', () => {
    const problem = toProblem(new ValidationError('body.name: required', [{ path: 'body.name', message: 'required' }]), '/api/v1/x', 'req-1');
    expect(problem).toEqual({
      type: '/problems/validation_failed',
      title: 'The request is not valid',
      status: 400,
      detail: 'body.name: required',
      instance: '/api/v1/x',
      code: 'validation_failed',
      requestId: 'req-1',
      errors: [{ path: 'body.name', message: 'required' }],
    });
  });

  it.each([
    [{ code: '23505' }, undefined],
    [{ code: '22P05' }, 400],
    [{ code: '22P02' }, 400],
    [{ code: 'ECONNREFUSED' }, 503],
    [{ code: '57P01' }, 503],
    [{ name: 'KnexTimeoutError' }, 503],
    [{ type: 'entity.too.large', status: 413 }, 413],
    [new Error('something broke'), undefined],
    ['a string', undefined],
  ])('maps %p to %p', (thrown, status) => {
    expect(toAppError(thrown)?.status).toBe(status);
  });

  it('hides everything about an internal error', () => {
    expect(internalProblem('/x', 'r')).toEqual({
      type: '/problems/internal',
      title: 'Internal server error',
      status: 500,
      detail: 'An unexpected error occurred; it has been logged with the request id.',
      instance: '/x',
      code: 'internal',
      requestId: 'r',
    });
  });

  it('passes AppErrors through unchanged', () => {
    const error = new ConflictError('stale');
    expect(toAppError(error)).toBe(error);
    expect(toAppError(new NotFoundError('x'))?.status).toBe(404);
  });
});
