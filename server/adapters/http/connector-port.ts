/**
 * The connector port: what the job system calls for a service task bound to a connector, and the
 * errors that tell it what to do next. Three outcomes besides success:
 * - {@link ConnectorBpmnError}: the service gave an answer the model handles (a configured status,
 *   e.g. 409 → `CONFLICT`); throw it into the engine as a BPMN error; never retried.
 * - {@link ConnectorRetryableError}: 5xx, 429, timeout, network; retry with backoff, then an incident.
 * - {@link ConnectorFailedError}: anything else (4xx, a template that cannot render, an unknown
 *   operation, a response too large); the same request would fail the same way, so raise an incident
 *   at once, and let an operator retry it after fixing the data or the configuration.
 */
import { connectorNameSchema, operationNameSchema } from './connector-config';

/** Which connector and operation a service task calls. */
export type ConnectorTarget = { connector: string; operation: string };

/** The connector attributes of a service task, as the model has them (absent or blank when unset). */
export type ConnectorBinding = {
  gembaConnector?: string | null;
  gembaOperation?: string | null;
  camundaTopic?: string | null;
};

/** One call: the connector (secrets revealed), the operation, the variables, and the job id. */
export type ConnectorInvocation<Config> = {
  connector: { name: string; config: Config };
  operation: string;
  /** Process variables the templates read. */
  variables: Record<string, unknown>;
  /** The job id: sent as `Idempotency-Key`, the same on every retry of the job. */
  idempotencyKey: string;
  /** Aborts the call (e.g. the job's lease is lost or the server stops); the error is then retryable. */
  signal?: AbortSignal;
};

/** A successful call: the mapped variables, the status the service answered, and how long it took. */
export type ConnectorResult = { output: Record<string, unknown>; status: number; durationMs: number };

/** A connector implementation (HTTP here; OPC UA in server/adapters/opcua). */
export interface ConnectorPort<Config> {
  /**
   * Calls one operation.
   * @throws ConnectorBpmnError, ConnectorRetryableError or ConnectorFailedError; nothing else.
   */
  invoke(invocation: ConnectorInvocation<Config>): Promise<ConnectorResult>;
}

/** What went wrong in a call, with the facts an incident shows (never a secret). */
export abstract class ConnectorError extends Error {
  /** Whether the job system should try again (with backoff) before raising an incident. */
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    public readonly connector: string,
    public readonly operation: string,
    public readonly status?: number,
    public readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A response the model handles: `code` is the BPMN errorCode an error boundary event catches.
 * `body` is the response body (parsed JSON or text, truncated), for the error's variables.
 */
export class ConnectorBpmnError extends ConnectorError {
  readonly retryable = false;
  constructor(
    public readonly code: string,
    message: string,
    connector: string,
    operation: string,
    status: number,
    public readonly body: unknown = null,
  ) {
    super(message, connector, operation, status, { code });
  }
}

/** Why a retryable call failed. */
export type RetryReason = 'status' | 'timeout' | 'network' | 'aborted';

/** A failure that may pass: retry with backoff; `retryAfterMs` is the service's Retry-After, if any. */
export class ConnectorRetryableError extends ConnectorError {
  readonly retryable = true;
  readonly retryAfterMs?: number;
  constructor(
    public readonly reason: RetryReason,
    message: string,
    connector: string,
    operation: string,
    options: { status?: number; retryAfterMs?: number; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, connector, operation, options.status, { reason, ...options.details }, { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Why a call failed for good. */
export type FailureReason = 'status' | 'template' | 'configuration' | 'unknown_connector' | 'unknown_operation' | 'disabled' | 'response';

/** A failure that repeating the same call will not fix: raise an incident. */
export class ConnectorFailedError extends ConnectorError {
  readonly retryable = false;
  constructor(
    public readonly reason: FailureReason,
    message: string,
    connector: string,
    operation: string,
    options: { status?: number; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, connector, operation, options.status, { reason, ...options.details }, { cause: options.cause });
  }
}

/** A service task whose connector attributes are incomplete or malformed (a model error). */
export class ConnectorTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectorTargetError';
  }
}

/**
 * Which connector and operation a service task means: `gemba:connector` + `gemba:operation`, or
 * a `camunda:topic` of the form `<connector>.<operation>` (split at the first dot). Returns
 * undefined when the task names no connector (no attributes, or a topic without a dot: an external
 * task for an outside worker). Whether the connector exists is the registry's business.
 * @throws ConnectorTargetError when only half of gemba:connector/gemba:operation is set, when both
 * they and a topic are set, or when a name is malformed.
 */
export function resolveConnectorTarget(binding: ConnectorBinding): ConnectorTarget | undefined {
  const connector = blankToUndefined(binding.gembaConnector);
  const operation = blankToUndefined(binding.gembaOperation);
  const topic = blankToUndefined(binding.camundaTopic);
  if (connector !== undefined || operation !== undefined) {
    if (connector === undefined || operation === undefined) {
      throw new ConnectorTargetError(`set both gemba:connector and gemba:operation (only ${connector === undefined ? 'gemba:operation' : 'gemba:connector'} is set)`);
    }
    if (topic !== undefined) throw new ConnectorTargetError('a task is bound to a topic or to a connector, not to both');
    return checked(connector, operation, `gemba:connector="${connector}" gemba:operation="${operation}"`);
  }
  if (topic === undefined) return undefined;
  const dot = topic.indexOf('.');
  if (dot < 0) return undefined;
  return checked(topic.slice(0, dot), topic.slice(dot + 1), `camunda:topic="${topic}"`);
}

/**
 * How the job system should treat an error thrown by {@link ConnectorPort.invoke}: a BPMN error,
 * a retry (after at least `retryAfterMs` when the service said so), or an incident. Errors that are
 * not connector errors (bugs) become incidents.
 */
export function classifyConnectorError(
  error: unknown,
): { outcome: 'bpmnError'; code: string; message: string } | { outcome: 'retry'; retryAfterMs?: number } | { outcome: 'incident' } {
  if (error instanceof ConnectorBpmnError) return { outcome: 'bpmnError', code: error.code, message: error.message };
  if (error instanceof ConnectorRetryableError) return { outcome: 'retry', retryAfterMs: error.retryAfterMs };
  return { outcome: 'incident' };
}

function checked(connector: string, operation: string, where: string): ConnectorTarget {
  if (!connectorNameSchema.safeParse(connector).success) throw new ConnectorTargetError(`${where}: "${connector}" is not a connector name`);
  if (!operationNameSchema.safeParse(operation).success) throw new ConnectorTargetError(`${where}: "${operation}" is not an operation name`);
  return { connector, operation };
}

function blankToUndefined(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value.trim();
}
