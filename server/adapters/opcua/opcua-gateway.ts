import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import {
  AttributeIds,
  BrowseDirection,
  DataType,
  OPCUACertificateManager,
  StatusCodes,
  TimestampsToReturn,
  Variant,
  ClientMonitoredItem,
  constructEventFilter,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
  type MonitoringParametersOptions,
  type NodeId,
  type ReadValueIdOptions,
} from 'node-opcua';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ValidationError } from '../../errors/app-error';
import { EndpointSession, withTimeout, type ConnectionObserver } from './endpoint-session';
import {
  EquipmentBpmnError,
  EquipmentLimitError,
  equipmentEndpointSchema,
  monitoredItemSchema,
  nodeIdSchema,
  writeLimitsSchema,
  type CallResult,
  type EquipmentEndpointInput,
  type EquipmentGateway,
  type EquipmentRequestContext,
  type EquipmentSubscription,
  type EventNotification,
  type EventSubscriptionOptions,
  type MonitoredItemInput,
  type NotificationListener,
  type ReadResult,
  type WriteLimits,
  type WriteResult,
} from './equipment-gateway';
import { ValueTypeMismatch, isDateLike, sameValue, toEquipmentValue, toPlain, toVariant } from './values';

/** Configuration of the node-opcua gateway; endpoints are validated by createOpcUaGateway. */
export interface OpcUaGatewayOptions {
  endpoints: readonly EquipmentEndpointInput[];
  /** Certificate stores: own/ (the client certificate), trusted/, rejected/, issuers/. */
  pkiDir: string;
  applicationName?: string;
  applicationUri?: string;
  /** Accept any server certificate (development only); default false. */
  trustUnknownServerCertificates?: boolean;
  /** Gemba's clock for gap and receive times; default the system clock. */
  now?: () => Date;
  logger?: Logger;
}

/** EquipmentGateway plus certificate trust-list management (E01). */
export interface OpcUaGateway extends EquipmentGateway {
  /** The client's application certificate (DER), created on first use. */
  clientCertificate(): Promise<Buffer>;
  /** Adds a server (or CA) certificate to the client's trust list. */
  trustServerCertificate(certificateDer: Buffer): Promise<void>;
  /** Certificates of servers that were refused because nobody trusted them yet (DER). */
  rejectedCertificates(): Promise<Buffer[]>;
  /** True while the endpoint's connection is down and being re-established. */
  isReconnecting(endpoint: string): boolean;
}

// Fields read from every event; the index of each is its position in the EventFilter.
const EVENT_FIELDS = [
  'EventId', 'EventType', 'SourceNode', 'SourceName', 'Time', 'Message', 'Severity',
  'ConditionName', 'ActiveState.Id', 'AckedState.Id', 'ConfirmedState.Id', 'Retain', 'ConditionId',
] as const;
// NodeId.toString() of the RefreshStartEventType and RefreshEndEventType.
const REFRESH_START_EVENT = 'ns=0;i=2787';
const REFRESH_END_EVENT = 'ns=0;i=2788';
const CONDITION_TYPE = 'i=2782';
const CONDITION_REFRESH = 'i=3875';
const SERVER_OBJECT = 'i=2253';
const HAS_SUBTYPE = 'i=45';
const ENUMERATION = 29;

// Data types that are simple subtypes of a built-in type.
const ALIAS_TYPES: Record<number, DataType> = {
  288: DataType.UInt32, // IntegerId
  289: DataType.UInt32, // Counter
  290: DataType.Double, // Duration
  291: DataType.String, // NumericRange
  294: DataType.DateTime, // UtcTime
  295: DataType.String, // LocaleId
};

function parseInput<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(`invalid ${field}`, parsed.error.issues.map((issue) => ({ path: [field, ...issue.path].join('.'), message: issue.message })));
  }
  return parsed.data;
}

function pemToDer(pem: string): Buffer {
  const body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return Buffer.from(body, 'base64');
}

function nodeIdNumber(nodeId: NodeId): number | null {
  return nodeId.namespace === 0 && typeof nodeId.value === 'number' ? nodeId.value : null;
}

/**
 * Creates the node-opcua implementation of the EquipmentGateway: one session per configured
 * endpoint, opened on first use. Configuration is validated here, where it enters.
 * @throws ValidationError when an endpoint configuration is invalid or ids repeat
 */
export function createOpcUaGateway(options: OpcUaGatewayOptions): OpcUaGateway {
  const endpoints = options.endpoints.map((endpoint, index) => parseInput(equipmentEndpointSchema, endpoint, `endpoints.${index}`));
  const ids = new Set<string>();
  for (const endpoint of endpoints) {
    if (ids.has(endpoint.id)) throw new ValidationError(`equipment endpoint id ${endpoint.id} is configured twice`);
    ids.add(endpoint.id);
  }
  const now = options.now ?? (() => new Date());
  const logger = options.logger;
  const applicationName = options.applicationName ?? 'Gemba';
  const applicationUri = options.applicationUri ?? `urn:${hostname()}:gemba:equipment-gateway`;
  const certificateManager = new OPCUACertificateManager({
    rootFolder: options.pkiDir,
    automaticallyAcceptUnknownCertificate: options.trustUnknownServerCertificates ?? false,
    // Trust changes go through trustServerCertificate(); file watchers would keep handles open.
    disableFileWatchers: true,
  });
  const certificateFile = path.join(options.pkiDir, 'own', 'certs', 'client_certificate.pem');
  const privateKeyFile = path.join(options.pkiDir, 'own', 'private', 'private_key.pem');
  let pkiReady: Promise<void> | null = null;

  const ensurePki = () => {
    pkiReady ??= (async () => {
      await mkdir(options.pkiDir, { recursive: true });
      await certificateManager.initialize();
      if (!existsSync(certificateFile)) {
        // startDate defaults to now inside node-opcua-pki, which asserts `instanceof Date`: a Date
        // made here fails that check when node-opcua runs in another realm (jest), so it is left out.
        const certificateOptions = {
          applicationUri,
          dns: [hostname()],
          subject: `/CN=${applicationName}/O=Gemba`,
          validity: 365 * 5,
          outputFile: certificateFile,
        };
        await certificateManager.createSelfSignedCertificate(certificateOptions as Parameters<OPCUACertificateManager['createSelfSignedCertificate']>[0]);
        logger?.info({ certificateFile }, 'OPC UA client certificate created');
      }
    })().catch((err) => {
      pkiReady = null;
      throw err;
    });
    return pkiReady;
  };

  const sessions = new Map(
    endpoints.map((config) => [config.id, new EndpointSession(config, {
      certificateManager, applicationName, applicationUri, certificateFile, privateKeyFile, now, logger,
    })]),
  );
  // Method argument types per session object: a recreated session starts afresh.
  const argumentTypes = new WeakMap<ClientSession, Map<string, { inputs: Array<{ name: string; dataType: DataType; isArray: boolean }>; outputs: string[] }>>();
  const builtInTypes = new WeakMap<ClientSession, Map<string, DataType>>();

  const endpointSession = async (endpoint: string): Promise<EndpointSession> => {
    const session = sessions.get(endpoint);
    if (!session) throw new ValidationError(`unknown equipment endpoint ${JSON.stringify(endpoint)}`, [{ path: 'endpoint', message: 'not configured' }]);
    await ensurePki();
    return session;
  };

  /** Follows HasSubtype up to a built-in type; enumerations travel as Int32. */
  const builtInTypeOf = async (session: ClientSession, dataTypeId: NodeId, timed: <T>(p: Promise<T>) => Promise<T>): Promise<DataType> => {
    let cache = builtInTypes.get(session);
    if (!cache) builtInTypes.set(session, (cache = new Map()));
    const key = dataTypeId.toString();
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    let current = dataTypeId;
    for (let depth = 0; depth < 16; depth += 1) {
      const id = nodeIdNumber(current);
      if (id !== null && id <= 25) return remember(id as DataType);
      if (id === ENUMERATION) return remember(DataType.Int32);
      if (id !== null && ALIAS_TYPES[id] !== undefined) return remember(ALIAS_TYPES[id]);
      const result = await timed(session.browse({ nodeId: current, browseDirection: BrowseDirection.Inverse, referenceTypeId: HAS_SUBTYPE, includeSubtypes: false, resultMask: 0 }));
      const parent = result.references?.[0]?.nodeId;
      if (!parent) break;
      current = parent;
    }
    return remember(DataType.ExtensionObject);

    function remember(dataType: DataType) {
      cache!.set(key, dataType);
      return dataType;
    }
  };

  const gateway: OpcUaGateway = {
    async read(endpoint, nodeId): Promise<ReadResult> {
      const id = parseInput(nodeIdSchema, nodeId, 'nodeId');
      const target = await endpointSession(endpoint);
      return target.run('read', id, async (session, timed) => {
        const dataValue = await timed(session.read({ nodeId: await target.resolve(session, id), attributeId: AttributeIds.Value }));
        return { endpoint, nodeId: id, ...toEquipmentValue(dataValue) };
      });
    },

    async write(endpoint, nodeId, value, limits: WriteLimits, context: EquipmentRequestContext = {}): Promise<WriteResult> {
      const id = parseInput(nodeIdSchema, nodeId, 'nodeId');
      const checkedLimits = parseInput(writeLimitsSchema, limits, 'limits');
      if (checkedLimits.min !== undefined || checkedLimits.max !== undefined) {
        const inside = typeof value === 'number' && Number.isFinite(value)
          && (checkedLimits.min === undefined || value >= checkedLimits.min)
          && (checkedLimits.max === undefined || value <= checkedLimits.max);
        if (!inside) throw new EquipmentLimitError(endpoint, id, value, checkedLimits);
      }
      const target = await endpointSession(endpoint);
      return target.run('write', id, async (session, timed) => {
        const resolved = await target.resolve(session, id);
        const before = await timed(session.read({ nodeId: resolved, attributeId: AttributeIds.Value }));
        if (before.statusCode.isBad() && before.statusCode.value !== StatusCodes.BadWaitingForInitialData.value) {
          throw new EquipmentBpmnError(before.statusCode.name, `cannot write ${id}: reading it gave ${before.statusCode.name}`, { endpoint, nodeId: id, statusCode: before.statusCode.name });
        }
        const { dataType, isArray } = await declaredType(endpoint, session, resolved, before, timed);
        let variant: Variant;
        try {
          variant = toVariant(value, dataType, isArray);
        } catch (err) {
          if (err instanceof ValueTypeMismatch) throw new EquipmentBpmnError('BadTypeMismatch', `${id}: ${err.message}`, { endpoint, nodeId: id });
          throw err;
        }
        const status = await timed(session.write({ nodeId: resolved, attributeId: AttributeIds.Value, value: { value: variant } }));
        if (status.isNotGood()) {
          throw new EquipmentBpmnError(status.name, `write of ${id} refused with ${status.name}`, { endpoint, nodeId: id, statusCode: status.name, value });
        }
        const writtenAt = now();
        const after = await timed(session.read({ nodeId: resolved, attributeId: AttributeIds.Value }));
        const readBack = toEquipmentValue(after);
        const newValue = toPlain(variant);
        logger?.info({ endpoint, nodeId: id, signer: context.signer, jobId: context.jobId }, 'OPC UA write');
        return {
          endpoint,
          nodeId: id,
          oldValue: toEquipmentValue(before),
          newValue,
          readBack,
          verified: readBack.good && sameValue(newValue, readBack.value, dataType),
          writtenAt,
          ...context,
        };
      });
    },

    async call(endpoint, objectId, methodId, args, context: EquipmentRequestContext = {}): Promise<CallResult> {
      const object = parseInput(nodeIdSchema, objectId, 'objectId');
      const method = parseInput(nodeIdSchema, methodId, 'methodId');
      const input = parseInput(z.array(z.unknown()).max(64), args, 'args');
      const target = await endpointSession(endpoint);
      return target.run('call', method, async (session, timed) => {
        const resolvedObject = await target.resolve(session, object);
        const resolvedMethod = await target.resolve(session, method);
        const signature = await methodSignature(session, resolvedMethod, timed);
        const details = { endpoint, objectId: object, methodId: method };
        if (input.length !== signature.inputs.length) {
          const code = input.length < signature.inputs.length ? 'BadArgumentsMissing' : 'BadTooManyArguments';
          throw new EquipmentBpmnError(code, `${method} takes ${signature.inputs.length} arguments, got ${input.length}`, details);
        }
        const inputArguments = input.map((value, index) => {
          const { name, dataType, isArray } = signature.inputs[index];
          try {
            return toVariant(value, dataType, isArray);
          } catch (err) {
            if (err instanceof ValueTypeMismatch) throw new EquipmentBpmnError('BadTypeMismatch', `${method} argument ${name}: ${err.message}`, details);
            throw err;
          }
        });
        const result = await timed(session.call({ objectId: resolvedObject, methodId: resolvedMethod, inputArguments }));
        const badArgument = (result.inputArgumentResults ?? []).findIndex((status) => status.isNotGood());
        if (result.statusCode.isNotGood()) {
          const argumentNote = badArgument >= 0 ? ` (argument ${signature.inputs[badArgument]?.name}: ${result.inputArgumentResults![badArgument].name})` : '';
          throw new EquipmentBpmnError(result.statusCode.name, `${method} answered ${result.statusCode.name}${argumentNote}`, { ...details, statusCode: result.statusCode.name });
        }
        const outputs = (result.outputArguments ?? []).map((variant) => toPlain(variant));
        const outputsByName = Object.fromEntries(outputs.map((value, index) => [signature.outputs[index] ?? `output${index}`, value]));
        logger?.info({ endpoint, objectId: object, methodId: method, signer: context.signer, jobId: context.jobId }, 'OPC UA method called');
        return { endpoint, objectId: object, methodId: method, statusCode: result.statusCode.name, outputs, outputsByName, calledAt: now(), ...context };
      });
    },

    async subscribe(endpoint, items, listener): Promise<EquipmentSubscription> {
      const parsed = parseInput(z.array(monitoredItemSchema).min(1).max(1000), items as MonitoredItemInput[], 'items');
      const target = await endpointSession(endpoint);
      return target.run('subscribe', parsed.map((item) => item.nodeId).join(','), async (session, timed) => {
        const publishingInterval = Math.min(1_000, Math.max(50, Math.min(...parsed.map((item) => item.samplingMs))));
        const subscription = await timed(createSubscription(session, publishingInterval));
        try {
          for (const item of parsed) {
            await monitor(subscription, { nodeId: await target.resolve(session, item.nodeId), attributeId: AttributeIds.Value },
              { samplingInterval: item.samplingMs, queueSize: item.queueSize, discardOldest: true },
              (dataValue: DataValue) => listener({ kind: 'dataChange', endpoint, nodeId: item.nodeId, receivedAt: now(), ...toEquipmentValue(dataValue) }),
              timed, endpoint, item.nodeId);
          }
        } catch (err) {
          await withTimeout(subscription.terminate(), 2_000).catch(() => undefined);
          throw err;
        }
        const stopObserving = target.observe(connectionObserver(endpoint, listener));
        return closable(endpoint, subscription, stopObserving);
      });
    },

    async subscribeEvents(endpoint, subscriptionOptions: EventSubscriptionOptions, listener): Promise<EquipmentSubscription> {
      const source = parseInput(nodeIdSchema, subscriptionOptions.sourceNodeId ?? SERVER_OBJECT, 'sourceNodeId');
      const target = await endpointSession(endpoint);
      return target.run('subscribeEvents', source, async (session, timed) => {
        const subscription = await timed(createSubscription(session, 100));
        let refreshing = false;
        try {
          await monitor(subscription, { nodeId: await target.resolve(session, source), attributeId: AttributeIds.EventNotifier },
            { samplingInterval: 0, queueSize: 1_000, discardOldest: true, filter: constructEventFilter([...EVENT_FIELDS]) },
            (fields: Variant[]) => {
              const event = toEventNotification(endpoint, fields, now());
              if (event.eventType === REFRESH_START_EVENT) refreshing = true;
              else if (event.eventType === REFRESH_END_EVENT) refreshing = false;
              else listener({ ...event, refresh: refreshing });
            },
            timed, endpoint, source);
        } catch (err) {
          await withTimeout(subscription.terminate(), 2_000).catch(() => undefined);
          throw err;
        }
        const refresh = async () => {
          // The current state of every retained condition, bracketed by RefreshStart/End events (E03).
          const status = await withTimeout(
            session.call({ objectId: CONDITION_TYPE, methodId: CONDITION_REFRESH, inputArguments: [new Variant({ dataType: DataType.UInt32, value: subscription.subscriptionId })] }),
            target.config.requestTimeoutMs,
          );
          if (status.statusCode.isNotGood()) logger?.warn({ endpoint, status: status.statusCode.name }, 'ConditionRefresh refused');
        };
        await refresh();
        const observer = connectionObserver(endpoint, listener);
        const stopObserving = target.observe({
          connectionLost: observer.connectionLost,
          recovered(from, to) {
            observer.recovered(from, to);
            refresh().catch((err) => logger?.warn({ endpoint, err: String(err) }, 'ConditionRefresh after recovery failed'));
          },
        });
        return closable(endpoint, subscription, stopObserving);
      });
    },

    acknowledgeCondition(endpoint, conditionId, eventId, comment) {
      return conditionMethod('acknowledge', endpoint, conditionId, eventId, comment);
    },

    confirmCondition(endpoint, conditionId, eventId, comment) {
      return conditionMethod('confirm', endpoint, conditionId, eventId, comment);
    },

    addConditionComment(endpoint, conditionId, eventId, comment) {
      return conditionMethod('addComment', endpoint, conditionId, eventId, comment);
    },

    async clientCertificate() {
      await ensurePki();
      return pemToDer(await readFile(certificateFile, 'utf8'));
    },

    async trustServerCertificate(certificateDer) {
      await ensurePki();
      await certificateManager.trustCertificate(certificateDer);
    },

    async rejectedCertificates() {
      await ensurePki();
      const folder = certificateManager.rejectedFolder;
      const files = existsSync(folder) ? await readdir(folder) : [];
      return Promise.all(files.filter((file) => /\.(pem|der)$/i.test(file)).map(async (file) => {
        const content = await readFile(path.join(folder, file));
        return file.toLowerCase().endsWith('.pem') ? pemToDer(content.toString('utf8')) : content;
      }));
    },

    isReconnecting(endpoint) {
      return sessions.get(endpoint)?.reconnecting ?? false;
    },

    async close() {
      await Promise.all([...sessions.values()].map((session) => session.close()));
      await certificateManager.dispose();
    },
  };

  /** Calls Acknowledge, Confirm or AddComment on a condition with the EventId it answers to. */
  async function conditionMethod(method: 'acknowledge' | 'confirm' | 'addComment', endpoint: string, conditionId: string, eventId: string, comment: string): Promise<void> {
    const condition = parseInput(nodeIdSchema, conditionId, 'conditionId');
    const event = parseInput(z.string().regex(/^[0-9a-f]{2,256}$/i), eventId, 'eventId');
    const text = parseInput(z.string().max(2000), comment, 'comment');
    const target = await endpointSession(endpoint);
    await target.run(method, condition, async (session, timed) => {
      const resolved = await target.resolve(session, condition);
      const eventIdBytes = Buffer.from(event, 'hex');
      const status = await timed(
        method === 'acknowledge' ? session.acknowledgeCondition(resolved, eventIdBytes, text)
          : method === 'confirm' ? session.confirmCondition(resolved, eventIdBytes, text)
            : session.addCommentCondition(resolved, eventIdBytes, text),
      );
      if (status.isNotGood()) throw new EquipmentBpmnError(status.name, `${method} of ${condition} answered ${status.name}`, { endpoint, nodeId: condition, statusCode: status.name });
      logger?.info({ endpoint, conditionId: condition, method }, 'OPC UA condition method called');
    });
  }

  /** The type to write: the current value's, or the variable's DataType when it has no value yet. */
  async function declaredType(endpoint: string, session: ClientSession, nodeId: NodeId, current: DataValue, timed: <T>(p: Promise<T>) => Promise<T>) {
    const variant = current.value;
    if (variant && variant.dataType !== DataType.Null) return { dataType: variant.dataType, isArray: variant.arrayType !== 0 };
    const [typeValue, rankValue] = await timed(session.read([
      { nodeId, attributeId: AttributeIds.DataType },
      { nodeId, attributeId: AttributeIds.ValueRank },
    ]));
    if (typeValue.statusCode.isNotGood()) {
      throw new EquipmentBpmnError(typeValue.statusCode.name, `cannot read the data type of ${nodeId.toString()}`, { endpoint, nodeId: nodeId.toString() });
    }
    const dataType = await builtInTypeOf(session, typeValue.value.value as NodeId, timed);
    return { dataType, isArray: Number(rankValue.value.value) >= 1 };
  }

  async function methodSignature(session: ClientSession, methodId: NodeId, timed: <T>(p: Promise<T>) => Promise<T>) {
    let cache = argumentTypes.get(session);
    if (!cache) argumentTypes.set(session, (cache = new Map()));
    const key = methodId.toString();
    const cached = cache.get(key);
    if (cached) return cached;
    const definition = await timed(session.getArgumentDefinition(methodId));
    const inputs = await Promise.all((definition.inputArguments ?? []).map(async (argument) => ({
      name: argument.name ?? '',
      dataType: await builtInTypeOf(session, argument.dataType, timed),
      isArray: argument.valueRank >= 1,
    })));
    const signature = { inputs, outputs: (definition.outputArguments ?? []).map((argument) => argument.name ?? '') };
    cache.set(key, signature);
    return signature;
  }

  function connectionObserver(endpoint: string, listener: NotificationListener): ConnectionObserver {
    return {
      connectionLost: (at) => listener({ kind: 'connectionLost', endpoint, at }),
      recovered: (from, to) => listener({ kind: 'gap', endpoint, from, to }),
    };
  }

  function closable(endpoint: string, subscription: ClientSubscription, stopObserving: () => void): EquipmentSubscription {
    let closed = false;
    return {
      endpoint,
      async close() {
        if (closed) return;
        closed = true;
        stopObserving();
        await withTimeout(subscription.terminate(), 5_000).catch((err) => logger?.debug({ endpoint, err: String(err) }, 'subscription terminate failed'));
      },
    };
  }

  return gateway;
}

function createSubscription(session: ClientSession, publishingInterval: number) {
  return session.createSubscription2({
    requestedPublishingInterval: publishingInterval,
    // Lifetime and keep-alive counts in publishing intervals: the server keeps the subscription
    // ~2 minutes without a client, long enough to transfer it after a short outage.
    requestedLifetimeCount: Math.max(30, Math.ceil(120_000 / publishingInterval)),
    requestedMaxKeepAliveCount: Math.max(3, Math.ceil(5_000 / publishingInterval)),
    maxNotificationsPerPublish: 1_000,
    publishingEnabled: true,
    priority: 10,
  });
}

/**
 * Creates a monitored item with its listener attached before node-opcua can deliver anything:
 * the initial value is dispatched on a setImmediate after creation, which can run before the
 * continuation of `await subscription.monitor(...)`; a listener attached there misses it.
 */
async function monitor<T>(
  subscription: ClientSubscription,
  itemToMonitor: ReadValueIdOptions,
  parameters: MonitoringParametersOptions,
  onChanged: (value: T) => void,
  timed: <R>(p: Promise<R>) => Promise<R>,
  endpoint: string,
  nodeId: string,
): Promise<void> {
  const monitored = ClientMonitoredItem.create(subscription, itemToMonitor, parameters, TimestampsToReturn.Both);
  monitored.on('changed', onChanged as (value: DataValue) => void);
  await timed(new Promise<void>((resolve, reject) => {
    monitored.once('initialized', () => resolve());
    monitored.once('err', (message: string) => {
      const status = monitored.statusCode?.name ?? (/Bad[A-Za-z]+/.exec(message)?.[0] ?? 'BadMonitoredItemIdInvalid');
      reject(new EquipmentBpmnError(status, `cannot monitor ${nodeId}: ${message}`, { endpoint, nodeId, statusCode: status }));
    });
  }));
}

function toEventNotification(endpoint: string, fields: Variant[], receivedAt: Date): Omit<EventNotification, 'refresh'> & { refresh: false } {
  const field = (name: (typeof EVENT_FIELDS)[number]) => toPlain(fields[EVENT_FIELDS.indexOf(name)]);
  const text = (name: (typeof EVENT_FIELDS)[number]) => {
    const value = field(name);
    return value === null || value === undefined ? null : String(value);
  };
  const flag = (name: (typeof EVENT_FIELDS)[number]) => {
    const value = field(name);
    return typeof value === 'boolean' ? value : null;
  };
  const eventIdVariant = fields[EVENT_FIELDS.indexOf('EventId')];
  const eventIdBytes = eventIdVariant?.value as Uint8Array | null | undefined;
  const time = field('Time');
  const severity = field('Severity');
  return {
    kind: 'event',
    endpoint,
    eventId: eventIdBytes && ArrayBuffer.isView(eventIdBytes) ? Buffer.from(eventIdBytes).toString('hex') : null,
    eventType: text('EventType'),
    sourceNodeId: text('SourceNode'),
    sourceName: text('SourceName'),
    time: isDateLike(time) ? time : null,
    message: text('Message'),
    severity: typeof severity === 'number' ? severity : null,
    conditionId: text('ConditionId'),
    conditionName: text('ConditionName'),
    activeState: flag('ActiveState.Id'),
    ackedState: flag('AckedState.Id'),
    confirmedState: flag('ConfirmedState.Id'),
    retain: flag('Retain'),
    refresh: false,
    receivedAt,
  };
}

