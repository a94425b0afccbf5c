import fs from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import type { AppContext } from '../context';

const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'application/javascript',
  'swagger-ui-standalone-preset.js': 'application/javascript',
};

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gemba API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="swagger"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#swagger', deepLinking: true });`;

/** The OpenAPI document and a browsable page for it (Swagger UI, served from this server). */
export function docsRouter(document: () => unknown): Router<any, any> {
  const router = new Router<any, any>();
  router.get('/api/v1/openapi.json', (ctx: AppContext) => {
    ctx.body = document();
  });
  router.get('/api/docs', (ctx: AppContext) => {
    ctx.type = 'text/html';
    ctx.body = PAGE;
  });
  router.get('/api/docs/init.js', (ctx: AppContext) => {
    ctx.type = 'application/javascript';
    ctx.body = INIT;
  });
  router.get('/api/docs/:asset', (ctx: AppContext) => {
    const type = ASSETS[ctx.params.asset];
    if (!type) return;
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = fs.createReadStream(path.join(SWAGGER_DIR, ctx.params.asset));
  });
  return router;
}
