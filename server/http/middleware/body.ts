import { bodyParser } from '@koa/bodyparser';
import type { Next } from 'koa';
import { MalformedRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../errors/app-error';
import type { AppContext } from '../context';
import type { RouteDef } from '../route';

/**
 * The body parser of one route: JSON by default (objects and arrays only), with the route's size
 * limit. A body of a type the route does not take is a 415, not a silently empty body.
 */
export function body(route: RouteDef, defaultLimit: string) {
  const types = route.bodyTypes ?? ['json'];
  const limit = route.bodyLimit ?? defaultLimit;
  const parse = bodyParser({
    enableTypes: types,
    jsonLimit: limit,
    textLimit: limit,
    xmlLimit: limit,
    jsonStrict: true,
    onError(error: Error & { status?: number; type?: string }) {
      if (error.status === 413 || error.type === 'entity.too.large') throw new PayloadTooLargeError(`The request body exceeds ${limit}`);
      if (error.status === 415) throw new UnsupportedMediaTypeError(error.message);
      throw new MalformedRequestError(
        error.type === 'entity.parse.failed' || /JSON/i.test(error.message) ? 'The request body is not valid JSON (an object or an array)' : error.message,
      );
    },
  });
  const accepted = types.flatMap((type) => (type === 'json' ? ['json', '+json'] : type === 'xml' ? ['xml', '+xml'] : ['text']));
  return async (ctx: AppContext, next: Next) => {
    if (ctx.request.length && !ctx.request.is(accepted)) {
      throw new UnsupportedMediaTypeError(`Send the body as ${types.map((t) => (t === 'json' ? 'application/json' : t === 'xml' ? 'application/xml' : 'text/plain')).join(' or ')}`);
    }
    return parse(ctx as never, next);
  };
}
