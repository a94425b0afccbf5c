import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Koa from 'koa';
import { serveModeler } from '../../server/http/static';

/**
 * serveModeler() on a bare Koa app with a made-up build folder: files, the index.html fallback
 * for client-side routes, cache headers, and the paths it must never answer.
 */
describe('Feature: the server serves the built browser app', () => {
  let root: string;
  let server: http.Server;
  let base: string;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gemba-static-'));
    fs.mkdirSync(path.join(root, 'assets'));
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><div id="app"></div>');
    fs.writeFileSync(path.join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
    fs.writeFileSync(path.join(os.tmpdir(), 'gemba-static-secret.txt'), 'outside');
    const app = new Koa();
    app.use(serveModeler({ root }));
    app.use(async (ctx, next) => {
      if (ctx.path === '/api/v1/ping') ctx.body = { pong: true };
      else await next();
    });
    server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('Given a client-side route, When a browser asks for it, Then it gets index.html, uncached, with a CSP', async () => {
    // when
    const response = await fetch(`${base}/versions/1234/review`, { headers: { Accept: 'text/html' } });
    // then
    assert.equal(response.status, 200);
    assert.match(await response.text(), /id="app"/);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  });

  it('Given a hashed asset, When it is fetched, Then it is cached for a year as immutable', async () => {
    const response = await fetch(`${base}/assets/index-abc123.js`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /javascript/);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(await response.text(), 'console.log(1)');
  });

  it('Given a HEAD request, Then it gets the headers and the length without a body', async () => {
    const response = await fetch(`${base}/assets/index-abc123.js`, { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-length'), String('console.log(1)'.length));
  });

  it('Given a missing asset, Then it is a 404, not the app', async () => {
    const response = await fetch(`${base}/assets/index-old.js`);
    assert.equal(response.status, 404);
  });

  it('Given the API, socket.io and the probes, Then it never answers them', async () => {
    assert.deepEqual(await (await fetch(`${base}/api/v1/ping`)).json(), { pong: true });
    for (const reserved of ['/api/v1/nothing', '/api/docs', '/socket.io/', '/health', '/ready']) {
      const response = await fetch(`${base}${reserved}`, { headers: { Accept: 'text/html' } });
      assert.equal(response.status, 404, reserved);
      assert.doesNotMatch(await response.text(), /id="app"/, reserved);
    }
  });

  it('Given a path that climbs out of the build folder, Then nothing outside is served', async () => {
    // Raw requests: fetch() would normalise the dots away before sending.
    const rawGet = (rawPath: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http
          .get(`${base}/`, { path: rawPath }, (response) => {
            let body = '';
            response.on('data', (chunk) => (body += chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          })
          .on('error', reject);
      });
    for (const attempt of ['/../gemba-static-secret.txt', '/assets/../../gemba-static-secret.txt', '/%2e%2e/gemba-static-secret.txt', '/assets/%2e%2e%2f%2e%2e%2fgemba-static-secret.txt', '/..%5cgemba-static-secret.txt']) {
      const response = await rawGet(attempt);
      assert.notEqual(response.body, 'outside', attempt);
    }
  });

  it('Given a POST to a page path, Then it is not answered with the app', async () => {
    const response = await fetch(`${base}/tasks`, { method: 'POST' });
    assert.equal(response.status, 404);
  });

  it('Given no build, Then a page request gets 503 with a hint to build', async () => {
    const app = new Koa();
    app.use(serveModeler({ root: path.join(root, 'missing') }));
    const bare = http.createServer(app.callback());
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/`, { headers: { Accept: 'text/html' } });
      assert.equal(response.status, 503);
      assert.match(await response.text(), /build:modeler/);
    } finally {
      await new Promise<void>((resolve) => bare.close(() => resolve()));
    }
  });
});
