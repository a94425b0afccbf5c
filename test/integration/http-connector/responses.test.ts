import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpConnectorConfigSchema } from '../../../server/adapters/http/connector-config';
import { HttpConnector } from '../../../server/adapters/http/http-connector';

// Answers a real ERP may give that the simulators do not: oversized, malformed, redirected, slow bodies.

let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    switch (req.url) {
      case '/big':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: 'x'.repeat(5000) }));
        return;
      case '/chunked-big':
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 10; i++) res.write('x'.repeat(1000));
        res.end();
        return;
      case '/broken':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"not json');
        return;
      case '/moved':
        res.writeHead(302, { location: 'http://elsewhere.example/steal' });
        res.end();
        return;
      case '/slow-body':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"a":');
        setTimeout(() => res.end('1}'), 1000).unref();
        return;
      case '/text':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('OK 42');
        return;
      default:
        res.writeHead(204);
        res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const connector = () => ({
  name: 'mes',
  config: httpConnectorConfigSchema.parse({
    baseUrl: base,
    timeoutMs: 300,
    maxResponseBytes: 4096,
    operations: Object.fromEntries(
      ['big', 'chunked-big', 'broken', 'moved', 'slow-body', 'text', 'empty'].map((name) => [name, { method: 'GET', path: `/${name}`, responseMapping: { all: '$body', status: '$status' } }]),
    ),
  }),
});
const call = (operation: string) => new HttpConnector().invoke({ connector: connector(), operation, variables: {}, idempotencyKey: 'j' }).catch((e: unknown) => e);

describe('unusual responses', () => {
  it('refuses a body larger than maxResponseBytes, announced or streamed', async () => {
    expect(await call('big')).toMatchObject({ reason: 'response', retryable: false, message: expect.stringMatching(/more than 4096 bytes/) });
    expect(await call('chunked-big')).toMatchObject({ reason: 'response', retryable: false });
  });

  it('fails on a 2xx that claims JSON but is not', async () => {
    expect(await call('broken')).toMatchObject({ reason: 'response', status: 200, message: expect.stringMatching(/not valid JSON/) });
  });

  it('does not follow redirects, so credentials stay with the configured origin', async () => {
    expect(await call('moved')).toMatchObject({ reason: 'status', status: 302, retryable: false, message: expect.stringMatching(/redirects are not followed/) });
  });

  it('applies the timeout to the body as well as the headers', async () => {
    expect(await call('slow-body')).toMatchObject({ reason: 'timeout', retryable: true });
  });

  it('maps text and empty bodies', async () => {
    expect(await call('text')).toMatchObject({ output: { all: 'OK 42', status: 200 } });
    expect(await call('empty')).toMatchObject({ status: 204, output: { all: null, status: 204 } });
  });
});
