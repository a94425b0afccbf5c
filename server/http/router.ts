import Router from '@koa/router';
import type { Next } from 'koa';
import type { AppContext } from './context';
import { authenticate } from './middleware/authenticate';
import { ForbiddenError } from '../errors/app-error';
import { authorize, canOnEvery } from './middleware/authorize';
import { body } from './middleware/body';
import { validate } from './middleware/validate';
import type { RouteDef } from './route';

/**
 * Mounts route definitions under a prefix, each behind the same chain:
 * authenticate → coarse authorize → body → validate → handler.
 */
export function buildRouter(prefix: string, routes: RouteDef[], jsonLimit: string): Router<any, any> {
  const router = new Router<any, any>({ prefix });
  for (const route of routes) {
    const chain = [
      authenticate(route.auth),
      async (ctx: AppContext, next: Next) => {
        if (route.permission) {
          const [action, subjectName, scope = 'every'] = route.permission;
          if (scope === 'some') authorize(ctx, action, subjectName);
          else if (!canOnEvery(ctx, action, subjectName)) throw new ForbiddenError(`You may not ${action} ${subjectName} records`);
        }
        return next();
      },
      ...(route.method === 'get' || route.method === 'delete' ? [] : [body(route, jsonLimit)]),
      validate(route.schema),
      (ctx: AppContext) => route.handler(ctx),
    ];
    router[route.method](route.id, route.path, ...(chain as never[]));
  }
  return router;
}
