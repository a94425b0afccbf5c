import { randomUUID } from 'node:crypto';
import type { Next } from 'koa';
import type { AppContext } from '../context';

const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when it is well-formed) and records where
 * it came from; both reach logs, problems and audit entries.
 */
export function requestId() {
  return async (ctx: AppContext, next: Next) => {
    const offered = ctx.get('x-request-id');
    const id = ACCEPTABLE_ID.test(offered) ? offered : randomUUID();
    const stationHeader = ctx.deps.config.http.stationHeader;
    const station = ctx.get(stationHeader).slice(0, 128) || undefined;
    ctx.state.requestId = id;
    ctx.state.request = { requestId: id, ip: ctx.ip, station, userAgent: ctx.get('user-agent').slice(0, 256) || undefined };
    ctx.state.input = { params: {}, query: {}, body: undefined };
    ctx.set('X-Request-Id', id);
    await next();
  };
}
