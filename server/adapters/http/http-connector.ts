/**
 * The HTTP connector for ERP, MES and QMS: renders an operation's templates from process
 * variables, calls the service with Node's fetch (undici) under a timeout, sends the job id as
 * `Idempotency-Key`, maps the response into variables, and classifies every failure for the job
 * system (see connector-port.ts). Redirects are not followed, so credentials never leave the
 * configured origin. Secrets are never logged.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../lib/logger';
import type { HttpAuth, HttpConnectorConfig, HttpOperation } from './connector-config';
import {
  ConnectorBpmnError,
  ConnectorFailedError,
  ConnectorRetryableError,
  type ConnectorInvocation,
  type ConnectorPort,
  type ConnectorResult,
} from './connector-port';
import { mapResponse, MappingPathError } from './response-mapping';
import { isWholePlaceholder, renderJson, renderPath, renderText, renderValue, TemplateError, valueToText } from './template';

/** Statuses retried when an operation does not say otherwise (besides network errors and timeouts). */
export const DEFAULT_RETRY_STATUSES: readonly number[] = [429, ...Array.from({ length: 100 }, (_, i) => 500 + i)];

const MAX_ERROR_BODY_CHARS = 2000;
const MAX_RETRY_AFTER_MS = 3_600_000;

/** The outcome of a connectivity check; `ok` false never throws. */
export type ConnectivityResult = {
  ok: boolean;
  /** The HTTP status, or null when no answer came. */
  status: number | null;
  durationMs: number;
  message: string;
  /** What was checked: method and URL (no query), for the record. */
  target: string;
};

/** Options of {@link HttpConnector}. */
export type HttpConnectorOptions = {
  /** Receives one debug line per call (connector, operation, method, path, status, duration); never headers or bodies. */
  logger?: Logger;
  userAgent?: string;
};

type RawResponse = { status: number; headers: Record<string, string>; text: string; body: unknown; durationMs: number };

/** Calls HTTP services described by connector configurations. Stateless: share one instance. */
export class HttpConnector implements ConnectorPort<HttpConnectorConfig> {
  private readonly userAgent: string;

  constructor(private readonly options: HttpConnectorOptions = {}) {
    this.userAgent = options.userAgent ?? 'gemba-connector/1';
  }

  /**
   * Calls one operation of a connector.
   * @throws ConnectorBpmnError when the status is listed in the operation's `bpmnErrors`.
   * @throws ConnectorRetryableError on a retryable status (default 429, 5xx), a timeout, a network error or an abort.
   * @throws ConnectorFailedError on an unknown operation, a template that cannot render, another
   * non-2xx status, a redirect, or a response that is too large or not the JSON it claims to be.
   */
  async invoke(invocation: ConnectorInvocation<HttpConnectorConfig>): Promise<ConnectorResult> {
    const { connector, operation: operationName, variables, idempotencyKey, signal } = invocation;
    const config = connector.config;
    const fail = (reason: ConstructorParameters<typeof ConnectorFailedError>[0], message: string, extra: { status?: number; details?: Record<string, unknown>; cause?: unknown } = {}) =>
      new ConnectorFailedError(reason, `${connector.name}.${operationName}: ${message}`, connector.name, operationName, extra);

    const operation = Object.hasOwn(config.operations, operationName) ? config.operations[operationName] : undefined;
    if (!operation) throw fail('unknown_operation', `the connector has no operation "${operationName}"`);

    let request: { url: URL; init: RequestInit };
    try {
      request = buildRequest(config, operation, variables);
    } catch (error) {
      if (error instanceof TemplateError) throw fail('template', error.message, { cause: error });
      throw error;
    }
    request.init.headers = { ...(request.init.headers as Record<string, string>), 'idempotency-key': idempotencyKey, 'user-agent': this.userAgent };

    const timeoutMs = operation.timeoutMs ?? config.timeoutMs;
    const what = `${operation.method} ${request.url.pathname}`;
    const response = await this.exchange(connector.name, operationName, what, request, timeoutMs, config.maxResponseBytes, signal);
    this.options.logger?.debug(
      { connector: connector.name, operation: operationName, method: operation.method, path: request.url.pathname, status: response.status, durationMs: response.durationMs, idempotencyKey },
      'connector call',
    );

    const { status } = response;
    if (classifyStatus(operation, status).kind === 'ok') {
      if (response.body === INVALID_JSON) throw fail('response', `${what} answered ${status} with a body that is not valid JSON`, { status });
      try {
        return { output: mapResponse(operation.responseMapping, response), status, durationMs: response.durationMs };
      } catch (error) {
        if (error instanceof MappingPathError) throw fail('configuration', error.message, { status, cause: error });
        throw error;
      }
    }
    const body = response.body === INVALID_JSON ? truncate(response.text) : truncateBody(response.body);
    const details = { responseBody: body };
    const outcome = classifyStatus(operation, status);
    if (outcome.kind === 'bpmnError') {
      throw new ConnectorBpmnError(outcome.code, `${connector.name}.${operationName}: ${what} answered ${status} → BPMN error ${outcome.code}`, connector.name, operationName, status, body);
    }
    if (outcome.kind === 'retry') {
      throw new ConnectorRetryableError('status', `${connector.name}.${operationName}: ${what} answered ${status}`, connector.name, operationName, {
        status,
        retryAfterMs: retryAfter(response.headers['retry-after']),
        details,
      });
    }
    if (status >= 300 && status < 400) throw fail('status', `${what} answered ${status}; redirects are not followed (fix the base URL)`, { status, details });
    throw fail('status', `${what} answered ${status}`, { status, details });
  }

  /**
   * Checks that the service answers with the configured credentials: the connector's
   * `healthCheck` (which must answer 2xx), or a GET of the base URL (any answer below 500 except
   * 401/403 counts as reachable). Never throws for an unreachable service.
   */
  async check(connector: { name: string; config: HttpConnectorConfig }, signal?: AbortSignal): Promise<ConnectivityResult> {
    const { config } = connector;
    const method = config.healthCheck?.method ?? 'GET';
    const started = performance.now();
    let target = `${method} ${config.baseUrl}`;
    try {
      const url = joinUrl(config.baseUrl, config.healthCheck?.path ?? '');
      target = `${method} ${url.origin}${url.pathname}`;
      const init: RequestInit = { method, headers: { accept: 'application/json, */*;q=0.5', 'user-agent': this.userAgent, ...config.defaultHeaders, ...authHeaders(config.auth) } };
      const response = await this.exchange(connector.name, '(check)', target, { url, init }, config.timeoutMs, 64 * 1024, signal);
      const { status } = response;
      const durationMs = response.durationMs;
      if (status === 401 || status === 403) return { ok: false, status, durationMs, target, message: `the service refused the credentials (${status})` };
      if (config.healthCheck) {
        const ok = status >= 200 && status < 300;
        return { ok, status, durationMs, target, message: ok ? `healthy (${status})` : `the health check answered ${status}` };
      }
      const ok = status < 500;
      return { ok, status, durationMs, target, message: ok ? `reachable (${status})` : `the service answered ${status}` };
    } catch (error) {
      const durationMs = Math.round(performance.now() - started);
      const message = error instanceof Error ? error.message.replace(/^[^:]+: /, '') : String(error);
      const status = error instanceof ConnectorFailedError && error.status !== undefined ? error.status : null;
      return { ok: false, status, durationMs, target, message };
    }
  }

  private async exchange(
    connectorName: string,
    operationName: string,
    what: string,
    request: { url: URL; init: RequestInit },
    timeoutMs: number,
    maxBytes: number,
    signal: AbortSignal | undefined,
  ): Promise<RawResponse> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const started = performance.now();
    const failure = (error: unknown): Error => {
      if (error instanceof ConnectorFailedError) return error;
      if (timeout.aborted) {
        return new ConnectorRetryableError('timeout', `${connectorName}.${operationName}: ${what} did not answer within ${timeoutMs} ms`, connectorName, operationName, { cause: error, details: { timeoutMs } });
      }
      if (signal?.aborted) return new ConnectorRetryableError('aborted', `${connectorName}.${operationName}: ${what} was aborted`, connectorName, operationName, { cause: error });
      const code = networkCode(error);
      return new ConnectorRetryableError('network', `${connectorName}.${operationName}: ${what} failed: ${code ?? (error as Error).message}`, connectorName, operationName, {
        cause: error,
        details: code ? { errorCode: code } : {},
      });
    };
    try {
      const response = await fetch(request.url, { ...request.init, signal: combined, redirect: 'manual' });
      const text = await readLimited(response, maxBytes, () =>
        new ConnectorFailedError('response', `${connectorName}.${operationName}: ${what} answered with more than ${maxBytes} bytes`, connectorName, operationName, { status: response.status }),
      );
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      return { status: response.status, headers, text, body: parseBody(text, headers['content-type']), durationMs: Math.round(performance.now() - started) };
    } catch (error) {
      throw failure(error);
    }
  }
}

/**
 * What a status means for an operation, in this order: 2xx is success; a status listed in
 * `bpmnErrors` raises that BPMN error; a status in `retryOn` (default 429 and 5xx) is retried;
 * anything else fails the job.
 */
export function classifyStatus(
  operation: Pick<HttpOperation, 'bpmnErrors' | 'retryOn'>,
  status: number,
): { kind: 'ok' } | { kind: 'bpmnError'; code: string } | { kind: 'retry' } | { kind: 'fail' } {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const code = operation.bpmnErrors && Object.hasOwn(operation.bpmnErrors, String(status)) ? operation.bpmnErrors[String(status)] : undefined;
  if (code) return { kind: 'bpmnError', code };
  if ((operation.retryOn ?? DEFAULT_RETRY_STATUSES).includes(status)) return { kind: 'retry' };
  return { kind: 'fail' };
}

/** The URL and fetch options of one call (without the idempotency key). Exported for tests. */
export function buildRequest(config: HttpConnectorConfig, operation: HttpOperation, variables: Record<string, unknown>): { url: URL; init: RequestInit } {
  const url = joinUrl(config.baseUrl, renderPath(operation.path, variables));
  for (const [name, template] of Object.entries(operation.query ?? {})) {
    if (isWholePlaceholder(template)) {
      const value = renderValue(template, variables);
      if (value === null || value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, valueToText(template, item));
    } else {
      url.searchParams.append(name, renderText(template, variables));
    }
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const [name, value] of Object.entries(config.defaultHeaders)) headers[name.toLowerCase()] = value;
  for (const [name, template] of Object.entries(operation.headers ?? {})) {
    const value = renderText(template, variables);
    if (/[\r\n\0]/.test(value)) throw new TemplateError(template, 'a header value has no line breaks');
    headers[name.toLowerCase()] = value;
  }
  Object.assign(headers, authHeaders(config.auth));
  const init: RequestInit = { method: operation.method, headers };
  if (operation.body !== undefined) {
    init.body = JSON.stringify(renderJson(operation.body, variables));
    headers['content-type'] ??= 'application/json';
  }
  return { url, init };
}

/** The headers that authenticate a request. */
export function authHeaders(auth: HttpAuth): Record<string, string> {
  switch (auth.type) {
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}` };
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'apiKeyHeader':
      return { [auth.header.toLowerCase()]: auth.value };
    case 'none':
      return {};
  }
}

/**
 * The base URL followed by a rendered path. Placeholders are encoded when rendered, so this only
 * guards against a configured path that leaves the base (e.g. `/../admin`).
 * @throws TemplateError when the result is outside the base URL.
 */
function joinUrl(baseUrl: string, path: string): URL {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const url = new URL(`${basePath}${path}`, base.origin);
  if (url.origin !== base.origin || !(url.pathname === basePath || url.pathname.startsWith(`${basePath}/`) || basePath === '')) {
    throw new TemplateError(path, `the path leaves the base URL ${baseUrl}`);
  }
  return url;
}

const INVALID_JSON = Symbol('invalid JSON');

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return null;
  if (contentType && /[/+]json\b/i.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return INVALID_JSON;
    }
  }
  return text;
}

async function readLimited(response: Response, maxBytes: number, tooLarge: () => Error): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function retryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER_MS);
}

function networkCode(error: unknown): string | undefined {
  for (let current = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; current && depth < 5; current = current.cause as typeof current, depth++) {
    if (typeof current.code === 'string') return current.code;
  }
  return undefined;
}

function truncate(text: string): string {
  return text.length > MAX_ERROR_BODY_CHARS ? `${text.slice(0, MAX_ERROR_BODY_CHARS)}…` : text;
}

function truncateBody(body: unknown): unknown {
  if (typeof body === 'string') return truncate(body);
  if (body === null || typeof body !== 'object') return body;
  return JSON.stringify(body).length > MAX_ERROR_BODY_CHARS ? truncate(JSON.stringify(body)) : body;
}
