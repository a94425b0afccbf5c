import cors from '@koa/cors';
import Koa from 'koa';
import type { AppContext, AppDeps } from './http/context';
import { buildOpenApiDocument } from './http/openapi';
import { problemHandler } from './http/middleware/problem';
import { requestId } from './http/middleware/request-id';
import { buildRouter } from './http/router';
import { serveModeler } from './http/static';
import { docsRouter } from './http/routes/docs.routes';
import { mountEngineRest } from './http/routes/external-tasks.routes';
import { healthRouter } from './http/routes/health.routes';
import { apiRoutes } from './http/routes';

const VERSION = process.env.npm_package_version ?? '0.1.0';

/**
 * Builds the Koa application without listening, so tests drive it with supertest.
 * Middleware order: request id → access log → problem mapper → headers → CORS → routes.
 */
export function createApp(deps: AppDeps): Koa<any, any> {
  const app = new Koa<any, any>({ proxy: true });
  app.context.deps = deps;
  app.silent = true;

  const routes = apiRoutes();
  let openApi: unknown;
  const api = buildRouter('/api/v1', routes, deps.config.http.jsonLimit);

  app.use(requestId());
  app.use(async (ctx: AppContext, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      deps.logger.debug({ requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 }, 'request');
    }
  });
  app.use(problemHandler());
  app.use(serveModeler());
  app.use(async (ctx: AppContext, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    if (ctx.path.startsWith('/api/v1') || ctx.path.startsWith('/engine-rest')) ctx.set('Cache-Control', 'no-store');
    await next();
  });
  if (deps.config.http.corsOrigin) {
    app.use(cors({ origin: deps.config.http.corsOrigin, allowHeaders: ['Authorization', 'Content-Type', 'X-API-Key', 'X-Request-Id'] }));
  }
  app.use(healthRouter().routes());
  app.use(docsRouter(() => (openApi ??= buildOpenApiDocument(routes, VERSION))).routes());
  mountEngineRest(app, deps);
  app.use(api.routes());
  app.use(api.allowedMethods({ throw: false }));
  return app;
}
