import type { Next } from 'koa';
import type { z } from 'zod';
import { NotFoundError, ValidationError, type FieldError } from '../../errors/app-error';
import type { AppContext } from '../context';
import type { RouteDef } from '../route';

/**
 * Parses params, query and body with the route's zod schemas and puts the typed result on
 * `ctx.state.input`. A path that names no valid id is a 404; any other mismatch is a 400 that
 * lists every problem.
 */
export function validate(schema: RouteDef['schema'] = {}) {
  return async (ctx: AppContext, next: Next) => {
    if (schema.params) {
      const parsed = schema.params.safeParse(ctx.params);
      if (!parsed.success) throw new NotFoundError(`Nothing is found at ${ctx.path}`);
      ctx.state.input.params = parsed.data;
    }
    const errors: FieldError[] = [];
    ctx.state.input.query = parseInto(schema.query, ctx.query, 'query', errors);
    ctx.state.input.body = parseInto(schema.body, (ctx.request as { body?: unknown }).body, 'body', errors);
    if (errors.length) throw new ValidationError(describe(errors), errors);
    return next();
  };
}

function parseInto(schema: z.ZodType | undefined, value: unknown, where: string, errors: FieldError[]): unknown {
  if (!schema) return value;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    errors.push({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message });
  }
  return undefined;
}

function describe(errors: FieldError[]): string {
  const first = errors[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${first.path}: ${first.message}${more}`;
}
