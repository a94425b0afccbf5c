/**
 * What went wrong with an expression, so the engine host can tell a model error
 * (`syntax`, `forbidden`, `unknown_function`, `limit`: fix the model) from a data error
 * (`unknown_property`, `evaluation`: fix the variables and retry), a failing host service, and
 * `unsupported` (FEEL given to an evaluator created without feelin: a configuration error).
 */
export type ExpressionErrorKind =
  | 'syntax'
  | 'limit'
  | 'forbidden'
  | 'unknown_function'
  | 'unknown_property'
  | 'evaluation'
  | 'service'
  | 'unsupported';

const MAX_QUOTED = 200;

/**
 * Thrown for every failing expression: parse errors, refused names, unknown functions,
 * unknown variables, type errors while evaluating, limits exceeded, and errors thrown by a
 * host service called from an expression (kept as `cause`).
 * `expression` is the whole text as written in the model (template or FEEL, with `${` / `=`),
 * and `position` a 0-based offset into it, so an incident can name and point at it.
 * Not an AppError: it is not an HTTP problem by itself; callers decide what it becomes
 * (an incident at run time, a 422 item at model submission).
 */
export class ExpressionError extends Error {
  constructor(
    public readonly expression: string,
    public readonly position: number,
    public readonly reason: string,
    public readonly kind: ExpressionErrorKind,
    options?: { cause?: unknown },
  ) {
    super(`Expression ${quote(expression)} failed at position ${position}: ${reason}`, options);
    this.name = 'ExpressionError';
  }
}

function quote(expression: string): string {
  const shown = expression.length > MAX_QUOTED ? `${expression.slice(0, MAX_QUOTED)}…` : expression;
  return JSON.stringify(shown);
}
