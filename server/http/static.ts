import fs from 'node:fs';
import path from 'node:path';
import type { Middleware } from 'koa';

/** Paths the browser app never answers: the API, its docs, socket.io and the probes. */
const RESERVED = /^\/(api|socket\.io|health|ready)(\/|$)/;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
  '.txt': 'text/plain; charset=utf-8',
};

// Only what the app itself loads: scripts and styles from this origin, the API and socket.io
// over the same origin, images from data:/blob: (diagram exports). Inline styles are needed by
// bpmn-js and form-js, which position and colour elements with style attributes.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export type ServeModelerOptions = {
  /** The built app (`npm run build:modeler`); defaults to `modeler/dist` of the repository. */
  root?: string;
};

/** Finds `modeler/dist` upwards from this file (server/http in tsx, dist/server/http when compiled). */
function defaultRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i += 1) {
    const candidate = path.join(dir, 'modeler', 'dist');
    if (fs.existsSync(path.join(dir, 'modeler'))) return candidate;
    dir = path.dirname(dir);
  }
  return path.resolve(process.cwd(), 'modeler', 'dist');
}

/**
 * Serves the built browser app (modeler/dist) for GET and HEAD requests outside /api,
 * /socket.io, /health and /ready: files by path, hashed assets (`/assets/…`) with a year-long
 * immutable cache, and index.html (never cached, with a Content-Security-Policy) for every
 * other path so the app's client-side routes survive a reload. Mount it after the API routes.
 * Without a build it answers page requests with 503 and a hint to build.
 *
 * Mount it inside the problem handler (`app.use(serveModeler())` after `app.use(problemHandler())`):
 * it acts after the routes below it found nothing, before the handler turns the 404 into a problem.
 */
export function serveModeler(options: ServeModelerOptions = {}): Middleware {
  const root = path.resolve(options.root ?? defaultRoot());
  const indexFile = path.join(root, 'index.html');

  return async (ctx, next) => {
    await next();
    if (ctx.body !== undefined && ctx.body !== null) return;
    if (ctx.status !== 404) return;
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return;
    if (RESERVED.test(ctx.path)) return;

    let decoded: string;
    try {
      decoded = decodeURIComponent(ctx.path);
    } catch {
      return;
    }
    if (decoded.includes('\0')) return;
    const file = path.resolve(root, `.${path.posix.normalize(decoded)}`);
    // Never outside the build folder.
    if (file !== root && !file.startsWith(root + path.sep)) return;

    const stat = await fs.promises.stat(file).catch(() => null);
    if (stat?.isFile()) {
      const immutable = decoded.startsWith('/assets/');
      send(ctx, file, stat, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      if (path.extname(file) === '.html') ctx.set('Content-Security-Policy', CSP);
      return;
    }
    // A missing asset is a 404, not the app: a stale page asking for an old chunk must see it fail.
    if (decoded.startsWith('/assets/') || path.extname(decoded)) return;
    if (!ctx.accepts('html')) return;

    const index = await fs.promises.stat(indexFile).catch(() => null);
    if (!index?.isFile()) {
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body = 'The browser app is not built. Run `npm run build:modeler` (npm start does it when it is missing).';
      return;
    }
    send(ctx, indexFile, index, 'no-cache');
    ctx.set('Content-Security-Policy', CSP);
  };
}

function send(ctx: Parameters<Middleware>[0], file: string, stat: fs.Stats, cacheControl: string): void {
  ctx.status = 200;
  // HEAD gets the headers only: Koa sends no body for it, so no file is opened.
  ctx.body = ctx.method === 'HEAD' ? Buffer.alloc(0) : fs.createReadStream(file);
  ctx.type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  ctx.length = stat.size;
  ctx.lastModified = stat.mtime;
  ctx.set('Cache-Control', cacheControl);
}
