/**
 * The connector configuration model: what an administrator registers (name, kind, configuration)
 * and what the job system reads to call ERP, MES, QMS (kind `http`) or equipment (kind `opcua`).
 * Parsed by zod where it enters (the admin API); stored as parsed, with defaults filled in.
 */
import { z } from 'zod';
import { nodeIdSchema, writeLimitsSchema, type EquipmentEndpointInput } from '../opcua/equipment-gateway';
import { mappingPathProblem, VARIABLE_NAME } from './response-mapping';
import { templateProblem, type JsonValue } from './template';

/** The kinds of connector. */
export const CONNECTOR_KINDS = ['http', 'opcua'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A connector name: what a model writes in `gemba:connector`, or before the first dot of a
 * `camunda:topic` (`erp.checkMaterial`); so it has no dot.
 */
export const connectorNameSchema = z
  .string()
  .regex(IDENTIFIER, 'use 1–64 letters, digits, "_" or "-", starting with a letter (no dots: a topic is <connector>.<operation>)');

/** An operation name: `gemba:operation`, or what follows the dot of a topic. */
export const operationNameSchema = z
  .string()
  .regex(IDENTIFIER, 'use 1–64 letters, digits, "_" or "-", starting with a letter')
  .refine((name) => !FORBIDDEN_NAMES.has(name), 'this name is reserved');

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
// Set by the connector itself (auth, idempotency, framing): configuring them would be ignored or unsafe.
const RESERVED_HEADERS = new Set(['authorization', 'proxy-authorization', 'idempotency-key', 'host', 'content-length', 'transfer-encoding', 'connection', 'te', 'upgrade']);

const headerName = z.string().regex(HEADER_NAME, 'not an HTTP header name');
const configurableHeaderName = headerName.refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), {
  message: 'this header is set by the connector (use auth for credentials; the job id is the Idempotency-Key)',
});
const noLineBreaks = (value: string) => !/[\r\n\0]/.test(value);
const headerValue = z.string().max(8192).refine(noLineBreaks, 'a header value has no line breaks');

/** A secret (password, token, API-key value): stored encrypted, never returned. */
const secret = z.string().min(1, 'required').max(4096).refine(noLineBreaks, 'a secret has no line breaks');

const template = (max: number) =>
  z
    .string()
    .max(max)
    .superRefine((value, ctx) => {
      const problem = templateProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: `invalid template: ${problem}` });
    });

const jsonTemplate = z
  .json()
  .superRefine((value, ctx) => {
    if (JSON.stringify(value).length > 65_536) ctx.addIssue({ code: 'custom', message: 'a body template is at most 64 KiB of JSON' });
    for (const [path, text] of stringsOf(value as JsonValue)) {
      const problem = templateProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', path, message: `invalid template: ${problem}` });
    }
  }) as z.ZodType<JsonValue>;

/** A record whose invalid keys are reported with the key schema's own message (zod says only "Invalid key in record"). */
function record<K extends z.ZodType<string>, V extends z.ZodType>(key: K, value: V) {
  return z.record(key, value, {
    error: (issue) => (issue.code === 'invalid_key' ? ((issue as { issues?: Array<{ message?: string }> }).issues?.[0]?.message ?? 'invalid key') : undefined),
  });
}

const timeoutMs = z.number().int().min(100).max(300_000);

const statusCode = z.number().int().min(300).max(599);

/** How a connector authenticates to an HTTP service. Secrets are password, token and value. */
export const httpAuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z
    .object({
      type: z.literal('basic'),
      username: z.string().min(1).max(256).refine((u) => !u.includes(':') && noLineBreaks(u), 'a basic-auth user name has no ":" and no line breaks'),
      password: secret,
    })
    .strict(),
  z.object({ type: z.literal('bearer'), token: secret }).strict(),
  z.object({ type: z.literal('apiKeyHeader'), header: configurableHeaderName, value: secret }).strict(),
]);

/** One call an HTTP connector can make; every string that goes into the request is a template. */
export const httpOperationSchema = z
  .object({
    description: z.string().max(500).optional(),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    /** Appended to the base URL; each placeholder is encoded as one path segment. */
    path: template(2048).refine((p) => p.startsWith('/'), 'a path starts with /'),
    /** Query parameters; a whole-placeholder value that is null or undefined leaves the parameter out, a list repeats it. */
    query: record(z.string().min(1).max(128), template(2048)).optional(),
    headers: record(configurableHeaderName, template(8192).refine(noLineBreaks, 'a header value has no line breaks')).optional(),
    /** A JSON value; a string that is one whole `${…}` becomes the variable's value, other strings are rendered as text. */
    body: jsonTemplate.optional(),
    /** `{ variableName: path }`: a JSON pointer, a dotted path, `$body`, `$status` or `$headers.<name>`. */
    responseMapping: record(
      z.string().regex(VARIABLE_NAME, 'not a variable name').refine((n) => !FORBIDDEN_NAMES.has(n), 'this name is reserved'),
      z.string().max(1024).superRefine((path, ctx) => {
        const problem = mappingPathProblem(path);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    ).optional(),
    /** `{ "409": "CONFLICT" }`: a response with that status raises the named BPMN error (not retried). */
    bpmnErrors: record(
      z.string().regex(/^[3-5]\d\d$/, 'a status code from 300 to 599'),
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/, 'a BPMN error code: letters, digits, "_", ".", ":" or "-"'),
    ).optional(),
    /** Statuses retried with backoff; default 429 and 500–599. Network errors and timeouts are always retried. */
    retryOn: z.array(statusCode).max(300).optional(),
    timeoutMs: timeoutMs.optional(),
  })
  .strict()
  .refine((op) => !(op.method === 'GET' && op.body !== undefined), { message: 'a GET request has no body', path: ['body'] });

/** An HTTP service (ERP, MES, QMS) and its named operations. */
export const httpConnectorConfigSchema = z
  .object({
    baseUrl: z
      .string()
      .max(2048)
      .superRefine((value, ctx) => {
        const problem = baseUrlProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    timeoutMs: timeoutMs.default(10_000),
    /** Responses larger than this fail the call instead of filling memory. */
    maxResponseBytes: z.number().int().min(1024).max(50 * 1024 * 1024).default(2 * 1024 * 1024),
    auth: httpAuthSchema.default({ type: 'none' }),
    defaultHeaders: record(configurableHeaderName, headerValue).default({}),
    /** What `POST /connectors/:id/test` requests; default `GET` of the base URL. */
    healthCheck: z
      .object({ method: z.enum(['GET', 'HEAD']).default('GET'), path: z.string().max(2048).regex(/^\/[^\s$]*$/, 'a literal path starting with /') })
      .strict()
      .optional(),
    operations: record(operationNameSchema, httpOperationSchema).default({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.auth.type === 'apiKeyHeader') {
      const header = config.auth.header.toLowerCase();
      if (Object.keys(config.defaultHeaders).some((name) => name.toLowerCase() === header)) {
        ctx.addIssue({ code: 'custom', path: ['defaultHeaders', config.auth.header], message: 'this header carries the API key: set it in auth only' });
      }
    }
  });

const opcuaUserTokenSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('anonymous') }).strict(),
  z.object({ type: z.literal('username'), username: z.string().min(1).max(256), password: secret }).strict(),
]);

/** One call an OPC UA connector can make: a read, a bounded write, or a method call. */
export const opcuaOperationSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('read'),
      description: z.string().max(500).optional(),
      nodeId: nodeIdSchema,
      /** The variable that receives the value (default: the operation name). */
      outputVariable: z.string().regex(VARIABLE_NAME, 'not a variable name').optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('write'),
      description: z.string().max(500).optional(),
      nodeId: nodeIdSchema,
      /** The value written: a template, usually one whole `${…}`. */
      value: jsonTemplate,
      /** Checked before writing; a value outside them is refused as a BPMN error and never written. */
      limits: writeLimitsSchema.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('call'),
      description: z.string().max(500).optional(),
      objectId: nodeIdSchema,
      methodId: nodeIdSchema,
      inputArguments: z.array(jsonTemplate).max(64).default([]),
      /** `{ variableName: output argument name or index }`. */
      outputMapping: record(z.string().regex(VARIABLE_NAME, 'not a variable name'), z.union([z.string().min(1).max(256), z.number().int().min(0).max(63)])).optional(),
    })
    .strict(),
]);

/** An OPC UA server (one endpoint, one session) and its named operations. */
export const opcuaConnectorConfigSchema = z
  .object({
    endpointUrl: z.string().max(2048).regex(/^opc\.tcp:\/\/[^\s/]+(\/\S*)?$/, 'an opc.tcp:// URL'),
    securityMode: z.enum(['None', 'Sign', 'SignAndEncrypt']).default('None'),
    securityPolicy: z.enum(['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss']).default('None'),
    userToken: opcuaUserTokenSchema.default({ type: 'anonymous' }),
    requestTimeoutMs: timeoutMs.default(10_000),
    connectTimeoutMs: timeoutMs.default(15_000),
    operations: record(operationNameSchema, opcuaOperationSchema).default({}),
  })
  .strict()
  .refine((c) => (c.securityMode === 'None') === (c.securityPolicy === 'None'), {
    message: 'securityMode None goes with securityPolicy None, and only with it',
    path: ['securityPolicy'],
  });

export type HttpAuth = z.output<typeof httpAuthSchema>;
export type HttpOperation = z.output<typeof httpOperationSchema>;
export type HttpConnectorConfig = z.output<typeof httpConnectorConfigSchema>;
export type OpcuaOperation = z.output<typeof opcuaOperationSchema>;
export type OpcuaConnectorConfig = z.output<typeof opcuaConnectorConfigSchema>;
export type ConnectorConfig = HttpConnectorConfig | OpcuaConnectorConfig;

/** The configuration schema of a kind. */
export function connectorConfigSchema(kind: ConnectorKind): z.ZodType<ConnectorConfig> {
  return (kind === 'http' ? httpConnectorConfigSchema : opcuaConnectorConfigSchema) as z.ZodType<ConnectorConfig>;
}

/**
 * The endpoint description the OPC UA gateway (server/adapters/opcua) takes, from an OPC UA
 * connector whose secrets were revealed; the endpoint id is the connector name.
 */
export function toEquipmentEndpoint(name: string, config: OpcuaConnectorConfig): EquipmentEndpointInput {
  return {
    id: name,
    url: config.endpointUrl,
    securityMode: config.securityMode,
    securityPolicy: config.securityPolicy,
    userIdentity: config.userToken.type === 'username' ? { type: 'username', username: config.userToken.username, password: config.userToken.password } : { type: 'anonymous' },
    requestTimeoutMs: config.requestTimeoutMs,
    connectTimeoutMs: config.connectTimeoutMs,
  };
}

function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'use an http:// or https:// URL';
  if (url.username || url.password) return 'credentials do not belong in the URL: use auth';
  if (url.search || url.hash || value.includes('?') || value.includes('#')) return 'a base URL has no query or fragment (put them in operations)';
  return undefined;
}

function stringsOf(value: JsonValue, path: Array<string | number> = []): Array<[Array<string | number>, string]> {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item, index) => stringsOf(item, [...path, index]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => stringsOf(item, [...path, key]));
  return [];
}
