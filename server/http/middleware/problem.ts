import type { Next } from 'koa';
import { NotFoundError } from '../../errors/app-error';
import { internalProblem, toAppError, toProblem } from '../../errors/to-problem';
import type { AppContext } from '../context';

/**
 * The one error handler: every error becomes an RFC 9457 problem+json. Known errors keep their
 * status and detail; anything else is logged with the request id and answered as an opaque 500.
 */
export function problemHandler() {
  return async (ctx: AppContext, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new NotFoundError(`No resource at ${ctx.method} ${ctx.path}`);
      }
    } catch (error) {
      const appError = toAppError(error);
      const log = ctx.deps.logger.child({ requestId: ctx.state.requestId, method: ctx.method, path: ctx.path });
      if (appError) {
        if (appError.status >= 500) log.warn({ err: error }, appError.title);
        ctx.status = appError.status;
        ctx.body = toProblem(appError, ctx.path, ctx.state.requestId);
      } else {
        log.error({ err: error }, 'unhandled error');
        ctx.status = 500;
        ctx.body = internalProblem(ctx.path, ctx.state.requestId);
      }
      ctx.type = 'application/problem+json';
      if (appError?.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="gemba"');
    }
  };
}
