/**
 * The equipment port: what Gemba's job workers and monitors ask of a machine, independent of the
 * protocol. The node-opcua implementation lives in `opcua-gateway.ts`; tests of the engine use a
 * fake typed against this interface. Nothing here imports node-opcua, so importing the port (its
 * types, schemas and errors) costs nothing at run time.
 */
import { z } from 'zod';

/** OPC UA MessageSecurityMode by name. */
export type SecurityModeName = 'None' | 'Sign' | 'SignAndEncrypt';
/** Supported security policies (Basic256Sha256 or stronger, E01). */
export type SecurityPolicyName = 'None' | 'Basic256Sha256' | 'Aes128_Sha256_RsaOaep' | 'Aes256_Sha256_RsaPss';

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
// OPC UA Part 6 §5.3.1.10 string form, plus the `nsu=` form that survives namespace reordering.
const NODE_ID_PATTERN = new RegExp(`^(?:(?:ns=(\\d{1,5})|nsu=[^;\\s]+);)?(?:i=(\\d{1,10})|s=.+|g=${GUID}|b=[A-Za-z0-9+/]+={0,2})$`, 's');

/**
 * An OPC UA node id in its string form: `i=2253`, `ns=3;s=Cell.StateCurrent`, or with the namespace
 * URI instead of its index, `nsu=urn:gemba:simulator:opcua-cell;s=Cell.StateCurrent` (preferred in
 * models: indices may change when a server restarts, URIs do not).
 */
export const nodeIdSchema = z
  .string()
  .min(3)
  .max(4096)
  .refine((value) => {
    const match = NODE_ID_PATTERN.exec(value);
    if (!match) return false;
    const [, namespaceIndex, numeric] = match;
    return (namespaceIndex === undefined || Number(namespaceIndex) <= 0xffff)
      && (numeric === undefined || Number(numeric) <= 0xffffffff);
  }, { message: 'not an OPC UA node id (expected e.g. "ns=2;s=Cell.Setpoint" or "nsu=<uri>;i=1001")' });

const endpointIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64');

/** The configuration of one equipment endpoint (one OPC UA server, one session). */
export const equipmentEndpointSchema = z
  .object({
    id: endpointIdSchema,
    url: z.string().max(2048).regex(/^opc\.tcp:\/\/[^\s/]+(\/\S*)?$/, 'an opc.tcp:// URL'),
    securityMode: z.enum(['None', 'Sign', 'SignAndEncrypt']).default('None'),
    securityPolicy: z.enum(['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss']).default('None'),
    userIdentity: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('anonymous') }).strict(),
        z.object({ type: z.literal('username'), username: z.string().min(1).max(256), password: z.string().min(1).max(1024) }).strict(),
      ])
      .default({ type: 'anonymous' }),
    /** Upper bound for one request (read, write, call, browse), in ms. */
    requestTimeoutMs: z.number().int().min(100).max(300_000).default(10_000),
    /** Upper bound for establishing the first connection and session, in ms. */
    connectTimeoutMs: z.number().int().min(100).max(300_000).default(15_000),
    sessionTimeoutMs: z.number().int().min(1_000).max(3_600_000).default(60_000),
    keepAliveIntervalMs: z.number().int().min(100).max(600_000).default(5_000),
  })
  .strict()
  .refine((e) => (e.securityMode === 'None') === (e.securityPolicy === 'None'), {
    message: 'securityMode None goes with securityPolicy None, and only with it',
    path: ['securityPolicy'],
  });

/** An endpoint as configured (defaults not yet applied). */
export type EquipmentEndpointInput = z.input<typeof equipmentEndpointSchema>;
/** An endpoint after validation, with defaults. */
export type EquipmentEndpointConfig = z.output<typeof equipmentEndpointSchema>;

/** Limits checked before a write; a value outside them never reaches the equipment. */
export const writeLimitsSchema = z
  .object({ min: z.number().finite().optional(), max: z.number().finite().optional() })
  .strict()
  .refine((l) => l.min === undefined || l.max === undefined || l.min <= l.max, { message: 'min must not exceed max' });

/** Inclusive bounds for a numeric write; either may be left out. */
export type WriteLimits = z.infer<typeof writeLimitsSchema>;

/** One item of a data-change subscription. */
export const monitoredItemSchema = z
  .object({
    nodeId: nodeIdSchema,
    samplingMs: z.number().int().min(0).max(3_600_000).default(250),
    queueSize: z.number().int().min(1).max(10_000).default(10),
  })
  .strict();

/** One monitored item as the caller gives it (`samplingMs` defaults to 250, `queueSize` to 10). */
export type MonitoredItemInput = z.input<typeof monitoredItemSchema>;

/** Who asked for a write or call and under which job: echoed in results for the audit trail. */
export interface EquipmentRequestContext {
  /** The user whose e-signature authorised the step (E04). */
  signer?: string;
  /** The job id; workers pass it so an outcome can be matched to its job. */
  jobId?: string;
}

/** A value as the equipment reported it, with its quality and timestamps (E02). */
export interface EquipmentValue {
  /** JSON-friendly: numbers, strings, booleans, Dates, arrays; 64-bit integers as bigint. */
  value: unknown;
  /** OPC UA built-in type name, e.g. `Double`, `String`, `UInt32`. */
  dataType: string;
  /** Status code name, e.g. `Good`, `BadNodeIdUnknown`, `UncertainLastUsableValue`. */
  statusCode: string;
  good: boolean;
  sourceTimestamp: Date | null;
  serverTimestamp: Date | null;
}

/** A read value and where it came from. */
export interface ReadResult extends EquipmentValue {
  endpoint: string;
  nodeId: string;
}

/** What a verified write did: the evidence for the audit trail (E04). */
export interface WriteResult {
  endpoint: string;
  nodeId: string;
  /** The value read just before writing. */
  oldValue: EquipmentValue;
  /** The value that was written. */
  newValue: unknown;
  /** The value read back after writing. */
  readBack: EquipmentValue;
  /** True when the read-back equals what was written (Float compared at single precision). */
  verified: boolean;
  /** When the write was acknowledged, by Gemba's clock. */
  writtenAt: Date;
  signer?: string;
  jobId?: string;
}

/** The outcome of a Good method call. */
export interface CallResult {
  endpoint: string;
  objectId: string;
  methodId: string;
  statusCode: string;
  /** Output arguments in declaration order. */
  outputs: unknown[];
  /** Output arguments by their declared names, when the server declares them. */
  outputsByName: Record<string, unknown>;
  calledAt: Date;
  signer?: string;
  jobId?: string;
}

/** A monitored value changed (or was reported again after a recovery). */
export interface DataChangeNotification extends EquipmentValue {
  kind: 'dataChange';
  endpoint: string;
  nodeId: string;
  receivedAt: Date;
}

/** An OPC UA event; for conditions (alarms) the condition fields are filled in. */
export interface EventNotification {
  kind: 'event';
  endpoint: string;
  /** EventId, hex; the handle Acknowledge and Confirm need. */
  eventId: string | null;
  eventType: string | null;
  sourceNodeId: string | null;
  sourceName: string | null;
  time: Date | null;
  message: string | null;
  severity: number | null;
  conditionId: string | null;
  conditionName: string | null;
  activeState: boolean | null;
  ackedState: boolean | null;
  confirmedState: boolean | null;
  retain: boolean | null;
  /** True when delivered by a ConditionRefresh: the current state of a condition, not a new occurrence. */
  refresh: boolean;
  receivedAt: Date;
}

/** The connection to the endpoint broke; a `gap` follows once subscriptions are recovered. */
export interface ConnectionLostNotification {
  kind: 'connectionLost';
  endpoint: string;
  at: Date;
}

/**
 * Data may be missing between `from` and `to`: the connection was down, and changes in between
 * were not observed. Emitted once the session and its subscriptions are back (E02).
 */
export interface GapNotification {
  kind: 'gap';
  endpoint: string;
  from: Date;
  to: Date;
}

/** Everything a subscription listener receives. */
export type EquipmentNotification = DataChangeNotification | EventNotification | ConnectionLostNotification | GapNotification;

/** Called synchronously by the gateway for every notification; it must not throw. */
export type NotificationListener = (notification: EquipmentNotification) => void;

/** A data or event subscription; node-opcua recovers it after reconnects until it is closed. */
export interface EquipmentSubscription {
  readonly endpoint: string;
  /** Deletes the subscription on the server (when reachable) and stops notifications. */
  close(): Promise<void>;
}

/** What an event subscription watches. */
export interface EventSubscriptionOptions {
  /** The notifier to watch; the Server object (i=2253) sees every event of the server. */
  sourceNodeId?: string;
}

/** How a BPMN model, job worker or monitor talks to equipment. */
export interface EquipmentGateway {
  /**
   * Reads the Value attribute. A bad status is reported in the result, not thrown.
   * @throws ValidationError for a malformed node id or unknown endpoint id
   * @throws EquipmentUnavailableError when the endpoint cannot be reached
   * @throws EquipmentTimeoutError when the read does not complete in time
   */
  read(endpoint: string, nodeId: string): Promise<ReadResult>;

  /**
   * Checks `value` against `limits`, reads the current value, writes, and reads back.
   * @throws EquipmentLimitError (a BPMN error) when the value is outside the limits; nothing is written
   * @throws EquipmentBpmnError when the server answers the read or write with a non-Good status
   * @throws ValidationError, EquipmentUnavailableError, EquipmentTimeoutError as for read
   */
  write(endpoint: string, nodeId: string, value: unknown, limits: WriteLimits, context?: EquipmentRequestContext): Promise<WriteResult>;

  /**
   * Calls a method; arguments are converted to the types the method declares.
   * @throws EquipmentBpmnError when the call (or one of its input arguments) has a non-Good status
   * @throws ValidationError, EquipmentUnavailableError, EquipmentTimeoutError as for read
   */
  call(endpoint: string, objectId: string, methodId: string, args: readonly unknown[], context?: EquipmentRequestContext): Promise<CallResult>;

  /**
   * Monitors data changes. The listener also receives `connectionLost` and `gap` notifications;
   * after a reconnect the items are recovered by node-opcua and report their current values again.
   * @throws ValidationError, EquipmentUnavailableError, EquipmentTimeoutError
   */
  subscribe(endpoint: string, items: readonly MonitoredItemInput[], listener: NotificationListener): Promise<EquipmentSubscription>;

  /**
   * Monitors events and alarms (A&C). A ConditionRefresh runs after subscribing and after every
   * recovery, so the listener sees the current state of every retained condition (`refresh: true`).
   * @throws ValidationError, EquipmentUnavailableError, EquipmentTimeoutError
   */
  subscribeEvents(endpoint: string, options: EventSubscriptionOptions, listener: NotificationListener): Promise<EquipmentSubscription>;

  /**
   * Acknowledges a condition (E03); the caller audits who did it.
   * @throws EquipmentBpmnError on a non-Good status (e.g. BadConditionBranchAlreadyAcked)
   */
  acknowledgeCondition(endpoint: string, conditionId: string, eventId: string, comment: string): Promise<void>;

  /**
   * Confirms a condition (E03); the caller audits who did it.
   * @throws EquipmentBpmnError on a non-Good status (e.g. BadConditionBranchAlreadyConfirmed)
   */
  confirmCondition(endpoint: string, conditionId: string, eventId: string, comment: string): Promise<void>;

  /**
   * Adds a comment to a condition (E03); the caller audits who did it.
   * @throws EquipmentBpmnError on a non-Good status (e.g. BadEventIdUnknown)
   */
  addConditionComment(endpoint: string, conditionId: string, eventId: string, comment: string): Promise<void>;

  /** Closes every session. */
  close(): Promise<void>;
}

/**
 * An outcome a BPMN model can catch with an error boundary event: the equipment refused the
 * request. `code` is the BPMN errorCode, the OPC UA status name (e.g. `BadInvalidState`), or
 * `EquipmentLimitViolation` for a write refused by its limits. Not retried: repeating the same
 * request gives the same answer.
 */
export class EquipmentBpmnError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly details: { endpoint: string; nodeId?: string; objectId?: string; methodId?: string; statusCode?: string } & Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A write refused before it reached the equipment because the value is outside its limits (E04). */
export class EquipmentLimitError extends EquipmentBpmnError {
  constructor(endpoint: string, nodeId: string, value: unknown, limits: WriteLimits) {
    super('EquipmentLimitViolation', `value ${String(value)} is outside [${limits.min ?? '-inf'}, ${limits.max ?? '+inf'}] for ${nodeId}`, {
      endpoint, nodeId, value, min: limits.min, max: limits.max,
    });
  }
}

/** Throws an EquipmentBpmnError when a read did not return a Good value. */
export function requireGood(result: ReadResult): ReadResult {
  if (!result.good) {
    throw new EquipmentBpmnError(result.statusCode, `${result.nodeId} read with status ${result.statusCode}`, {
      endpoint: result.endpoint, nodeId: result.nodeId, statusCode: result.statusCode,
    });
  }
  return result;
}
