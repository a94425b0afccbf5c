/**
 * A small HTTP server toolkit for the simulated ERP and QMS (server/adapters/simulators): routes,
 * JSON bodies, optional authentication, `Idempotency-Key` handling, a record of every call, and
 * failure injection. The control API exists twice: as methods for in-process tests, and under
 * `/_sim/` for a simulator started from the command line (demo: make the ERP fail on demand).
 * For demos and tests only: it listens on 127.0.0.1 by default and keeps everything in memory.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '../../lib/logger';
import type { HttpAuth } from './connector-config';

/** One request as the simulator received it, and what it answered. */
export type RecordedCall = {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** Lower-case names, as received (credentials included: these are test peers). */
  headers: Record<string, string>;
  body: unknown;
  receivedAt: Date;
  /** The status answered; 0 while the request is still being handled. */
  status: number;
  /** True when the answer was replayed for a repeated Idempotency-Key. */
  replayed: boolean;
  /** True when the answer was an injected failure (the request was not processed). */
  injected: boolean;
};

/** What a route handler receives. */
export type SimRequest = {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
};

/** What a route handler answers. */
export type SimResponse = { status: number; body?: unknown; headers?: Record<string, string> };

/** One endpoint: `path` in `/orders/:orderId/confirmations` form. */
export type SimRoute = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** Honour `Idempotency-Key`: the same key and request give the same answer, processed once. */
  idempotent?: boolean;
  handle(request: SimRequest): SimResponse;
};

/** Which requests an injected failure or delay applies to (all when absent). */
export type CallMatch = { method?: string; path?: string | RegExp };

/** The control API of a simulator. */
export type SimulatorControl = {
  /** The next `count` matching requests are answered with `status` (default 503) without being processed. */
  failNext(count: number, status?: number, match?: CallMatch & { retryAfterSeconds?: number }): void;
  /**
   * The next `count` (default 1) matching requests are processed, then answered `ms` later:
   * the service did the work but the caller may time out (what idempotency keys are for).
   */
  delayNext(ms: number, count?: number, match?: CallMatch): void;
  /** Every request received since the last reset, oldest first (control requests excluded). */
  calls(): RecordedCall[];
  /** Forgets calls, injected failures and delays, stored idempotent answers, and restores the seed data. */
  reset(): void;
};

/** A running simulator. */
export type HttpSimulator = SimulatorControl & {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
};

/** How a simulator is started. */
export type HttpSimulatorOptions = {
  name: string;
  routes: SimRoute[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Credentials every request must carry (default none); the `/_sim/` control API is exempt. */
  auth?: HttpAuth;
  /** Called by reset() to restore the domain data. */
  onReset?: () => void;
  logger?: Logger;
};

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_STORED_KEYS = 10_000;

type Rule = { remaining: number; match: CallMatch };
type Stored = { fingerprint: string; response: SimResponse };

/**
 * Starts a simulator listening on `host:port`.
 * @throws the listen error (e.g. EADDRINUSE) when the port is taken.
 */
export async function startHttpSimulator(options: HttpSimulatorOptions): Promise<HttpSimulator> {
  const compiled = options.routes.map((route) => ({ route, ...compilePath(route.path) }));
  let calls: RecordedCall[] = [];
  let failures: Array<Rule & { status: number; retryAfterSeconds?: number }> = [];
  let delays: Array<Rule & { ms: number }> = [];
  const idempotent = new Map<string, Stored>();

  const control: SimulatorControl = {
    failNext(count, status = 503, match = {}) {
      if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError('status must be from 400 to 599');
      failures.push({ remaining: count, status, match, retryAfterSeconds: match.retryAfterSeconds });
    },
    delayNext(ms, count = 1, match = {}) {
      if (!Number.isFinite(ms) || ms < 0 || ms > 600_000) throw new RangeError('ms must be from 0 to 600000');
      if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
      delays.push({ remaining: count, ms, match });
    },
    calls: () => calls.map((call) => ({ ...call })),
    reset() {
      calls = [];
      failures = [];
      delays = [];
      idempotent.clear();
      options.onReset?.();
    },
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      options.logger?.error({ err: error, simulator: options.name }, 'simulator request failed');
      if (!res.headersSent) send(res, { status: 500, body: { error: 'SIMULATOR_ERROR' } });
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = (req.method ?? 'GET').toUpperCase();
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (error) {
      send(res, { status: (error as { status?: number }).status ?? 400, body: { error: 'INVALID_BODY', message: (error as Error).message } });
      return;
    }
    if (url.pathname.startsWith('/_sim/')) {
      send(res, controlRequest(method, url.pathname, body));
      return;
    }

    const call: RecordedCall = {
      method,
      path: url.pathname,
      query: queryRecord(url.searchParams),
      headers: headerRecord(req.headers),
      body,
      receivedAt: new Date(),
      status: 0,
      replayed: false,
      injected: false,
    };
    calls.push(call);
    const answer = (response: SimResponse) => {
      call.status = response.status;
      send(res, response);
    };

    if (options.auth && !authorized(options.auth, req.headers)) {
      answer({ status: 401, body: { error: 'UNAUTHORIZED' }, headers: { 'www-authenticate': challenge(options.auth) } });
      return;
    }
    const failure = take(failures, method, url.pathname);
    if (failure) {
      call.injected = true;
      answer({
        status: failure.status,
        body: { error: 'SIMULATED_FAILURE', status: failure.status },
        headers: failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {},
      });
      return;
    }

    const found = match(compiled, method, url.pathname);
    let response: SimResponse;
    if (!found) {
      response = { status: found === null ? 405 : 404, body: { error: found === null ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND' } };
    } else {
      const request: SimRequest = { method, path: url.pathname, params: found.params, query: url.searchParams, headers: req.headers, body };
      const key = headerValue(req.headers['idempotency-key']);
      if (found.route.idempotent && key) {
        const storeKey = `${method} ${found.route.path} ${key}`;
        const fingerprint = JSON.stringify([url.pathname, url.search, body ?? null]);
        const stored = idempotent.get(storeKey);
        if (stored && stored.fingerprint !== fingerprint) {
          response = { status: 422, body: { error: 'IDEMPOTENCY_KEY_REUSED', message: 'this Idempotency-Key was used for a different request' } };
        } else if (stored) {
          call.replayed = true;
          response = { ...stored.response, headers: { ...stored.response.headers, 'idempotent-replayed': 'true' } };
        } else {
          response = found.route.handle(request);
          // Transient failures are not remembered: the caller must be able to retry them.
          if (response.status < 500 && idempotent.size < MAX_STORED_KEYS) idempotent.set(storeKey, { fingerprint, response });
        }
      } else {
        response = found.route.handle(request);
      }
    }
    const delay = take(delays, method, url.pathname);
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay.ms));
    if (res.destroyed || req.socket.destroyed) {
      call.status = response.status;
      return;
    }
    answer(response);
  }

  function controlRequest(method: string, path: string, body: unknown): SimResponse {
    const input = (body ?? {}) as Record<string, unknown>;
    try {
      if (method === 'GET' && path === '/_sim/calls') return { status: 200, body: { items: control.calls(), total: calls.length } };
      if (method === 'POST' && path === '/_sim/reset') {
        control.reset();
        return { status: 204 };
      }
      if (method === 'POST' && path === '/_sim/fail-next') {
        control.failNext(Number(input.count ?? 1), Number(input.status ?? 503), {
          method: typeof input.method === 'string' ? input.method : undefined,
          path: typeof input.path === 'string' ? input.path : undefined,
          retryAfterSeconds: input.retryAfterSeconds === undefined ? undefined : Number(input.retryAfterSeconds),
        });
        return { status: 204 };
      }
      if (method === 'POST' && path === '/_sim/delay-next') {
        control.delayNext(Number(input.ms), Number(input.count ?? 1), {
          method: typeof input.method === 'string' ? input.method : undefined,
          path: typeof input.path === 'string' ? input.path : undefined,
        });
        return { status: 204 };
      }
      return { status: 404, body: { error: 'NOT_FOUND' } };
    } catch (error) {
      return { status: 400, body: { error: 'INVALID_CONTROL_REQUEST', message: (error as Error).message } };
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    ...control,
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function take<T extends Rule>(rules: T[], method: string, path: string): T | undefined {
  const rule = rules.find((candidate) => matches(candidate.match, method, path));
  if (!rule) return undefined;
  rule.remaining -= 1;
  if (rule.remaining <= 0) rules.splice(rules.indexOf(rule), 1);
  return rule;
}

function matches(match: CallMatch, method: string, path: string): boolean {
  if (match.method && match.method.toUpperCase() !== method) return false;
  if (match.path === undefined) return true;
  return typeof match.path === 'string' ? path === match.path || path.startsWith(match.path.endsWith('/') ? match.path : `${match.path}/`) : match.path.test(path);
}

function compilePath(path: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { regex: new RegExp(`^${source}$`), names };
}

/** The route for a request: undefined when no path matches, null when the path matches another method. */
function match(routes: Array<{ route: SimRoute; regex: RegExp; names: string[] }>, method: string, path: string) {
  let pathMatched = false;
  for (const candidate of routes) {
    const found = candidate.regex.exec(path);
    if (!found) continue;
    pathMatched = true;
    if (candidate.route.method !== method) continue;
    const params: Record<string, string> = {};
    try {
      candidate.names.forEach((name, index) => {
        params[name] = decodeURIComponent(found[index + 1]);
      });
    } catch {
      return undefined;
    }
    return { route: candidate.route, params };
  }
  return pathMatched ? null : undefined;
}

function authorized(auth: HttpAuth, headers: http.IncomingHttpHeaders): boolean {
  switch (auth.type) {
    case 'none':
      return true;
    case 'basic':
      return same(headers.authorization, `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`);
    case 'bearer':
      return same(headers.authorization, `Bearer ${auth.token}`);
    case 'apiKeyHeader':
      return same(headerValue(headers[auth.header.toLowerCase()]), auth.value);
  }
}

function challenge(auth: HttpAuth): string {
  return auth.type === 'basic' ? 'Basic realm="simulator"' : auth.type === 'bearer' ? 'Bearer' : 'ApiKey';
}

function same(actual: string | undefined, expected: string): boolean {
  if (actual === undefined) return false;
  const a = Buffer.from(actual);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error('the body is larger than 1 MiB'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  if (!size) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (!/json/i.test(type)) throw Object.assign(new Error('send JSON (Content-Type: application/json)'), { status: 415 });
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('the body is not valid JSON');
  }
}

function send(res: http.ServerResponse, response: SimResponse): void {
  const headers: Record<string, string> = { ...response.headers };
  if (response.body !== undefined) {
    const text = JSON.stringify(response.body);
    headers['content-type'] = 'application/json';
    res.writeHead(response.status, headers);
    res.end(text);
  } else {
    res.writeHead(response.status, headers);
    res.end();
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function headerRecord(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    const all = params.getAll(name);
    out[name] = all.length === 1 ? all[0] : all;
  }
  return out;
}

/**
 * Reads a simulator's command line: `--port=<n>` (or the given environment variable), `--host=<h>`,
 * and at most one of `--basic=<user>:<password>`, `--bearer=<token>`, `--api-key=<value>`
 * (header `X-API-Key`, or `--api-key-header=<name>`).
 * @throws RangeError for a port that is not 0–65535 or conflicting credentials.
 */
export function parseSimulatorArgs(argv: readonly string[], envPort: string | undefined, defaultPort: number): { host: string; port: number; auth?: HttpAuth } {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match) continue;
    flags.set(match[1], match[2] ?? argv[++i] ?? '');
  }
  const port = Number(flags.get('port') ?? envPort ?? defaultPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`not a port: ${flags.get('port') ?? envPort}`);
  const given = ['basic', 'bearer', 'api-key'].filter((name) => flags.has(name));
  if (given.length > 1) throw new RangeError('give one of --basic, --bearer, --api-key');
  let auth: HttpAuth | undefined;
  if (flags.has('basic')) {
    const [username, ...rest] = flags.get('basic')!.split(':');
    auth = { type: 'basic', username, password: rest.join(':') };
  } else if (flags.has('bearer')) {
    auth = { type: 'bearer', token: flags.get('bearer')! };
  } else if (flags.has('api-key')) {
    auth = { type: 'apiKeyHeader', header: flags.get('api-key-header') ?? 'X-API-Key', value: flags.get('api-key')! };
  }
  return { host: flags.get('host') ?? '127.0.0.1', port, auth };
}
