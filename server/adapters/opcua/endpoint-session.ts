import {
  AttributeIds,
  OPCUAClient,
  UserTokenType,
  resolveNodeId,
  type ClientSession,
  type NodeId,
  type OPCUACertificateManager,
  type UserIdentityInfo,
} from 'node-opcua';
import type { Logger } from 'pino';
import { AppError, EquipmentTimeoutError, EquipmentUnavailableError } from '../../errors/app-error';
import { EquipmentBpmnError, type EquipmentEndpointConfig } from './equipment-gateway';
import { toMessageSecurityMode, toSecurityPolicy } from './security';

/** Told about connection changes of an endpoint; subscriptions implement it. */
export interface ConnectionObserver {
  connectionLost(at: Date): void;
  /** The session and its subscriptions are back; data between `from` and `to` may be missing. */
  recovered(from: Date, to: Date): void;
}

/** What every endpoint session of one gateway shares: PKI, identity, clock, logger. */
export interface SessionSharedOptions {
  certificateManager: OPCUACertificateManager;
  applicationName: string;
  applicationUri: string;
  certificateFile: string;
  privateKeyFile: string;
  now: () => Date;
  logger?: Logger;
}

/** A request that did not complete within its time budget. */
class RequestTimeout extends Error {}

/**
 * Resolves or rejects with `promise`, or rejects after `ms`.
 * @throws RequestTimeout (mapped to EquipmentTimeoutError by toEquipmentError)
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeout(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describe(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

/**
 * Turns whatever a request threw into Gemba's error types. Our own errors pass through. Errors
 * come from node-opcua's realm, so nothing here relies on `instanceof Error`.
 */
export function toEquipmentError(err: unknown, endpoint: string, operation: string, target: string): Error {
  if (err instanceof EquipmentBpmnError || err instanceof AppError) return err;
  const message = describe(err);
  const extensions = { endpoint, operation, target };
  // node-opcua's own transaction timeout says so in its message; there is no typed error for it.
  if (err instanceof RequestTimeout || /timed? ?out|BadTimeout|BadRequestTimeout/i.test(message)) {
    return new EquipmentTimeoutError(`${operation} ${target} on ${endpoint}: ${message}`, extensions);
  }
  return new EquipmentUnavailableError(`${operation} ${target} on ${endpoint} failed: ${message}`, extensions);
}

type Timed = <T>(promise: Promise<T>) => Promise<T>;

/**
 * One OPC UA client and session for one endpoint. It connects on first use; afterwards node-opcua
 * keeps the session alive and, when the connection breaks, reconnects, reactivates or recreates the
 * session and transfers or recreates its subscriptions. This class records when the connection was
 * lost and tells its observers when everything is back, so they can report the gap.
 */
export class EndpointSession {
  private client: OPCUAClient | null = null;
  private session: ClientSession | null = null;
  private connecting: Promise<ClientSession> | null = null;
  private lostAt: Date | null = null;
  private namespaces: string[] = [];
  private closed = false;
  private readonly observers = new Set<ConnectionObserver>();

  constructor(
    readonly config: EquipmentEndpointConfig,
    private readonly shared: SessionSharedOptions,
  ) {}

  get id() {
    return this.config.id;
  }

  /** True while the connection is down and node-opcua is reconnecting. */
  get reconnecting() {
    return this.lostAt !== null;
  }

  observe(observer: ConnectionObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /**
   * Runs requests on the session with a timeout each, mapping failures to Gemba errors.
   * @throws EquipmentUnavailableError, EquipmentTimeoutError, or what `work` throws
   */
  async run<T>(operation: string, target: string, work: (session: ClientSession, timed: Timed) => Promise<T>): Promise<T> {
    try {
      const session = await this.acquire();
      const timed: Timed = (promise) => withTimeout(promise, this.config.requestTimeoutMs);
      return await work(session, timed);
    } catch (err) {
      throw toEquipmentError(err, this.id, operation, target);
    }
  }

  /**
   * Resolves a node id string against this session; `nsu=` ids use the server's namespace array.
   * @throws EquipmentBpmnError BadNodeIdUnknown when the server does not know the namespace
   */
  async resolve(session: ClientSession, nodeId: string): Promise<NodeId> {
    const match = /^nsu=([^;]+);(.*)$/s.exec(nodeId);
    if (!match) return resolveNodeId(nodeId);
    const [, uri, identifier] = match;
    let index = this.namespaces.indexOf(uri);
    if (index < 0) {
      this.namespaces = await withTimeout(session.readNamespaceArray(), this.config.requestTimeoutMs);
      index = this.namespaces.indexOf(uri);
    }
    if (index < 0) {
      throw new EquipmentBpmnError('BadNodeIdUnknown', `namespace ${uri} is not served by ${this.id}`, { endpoint: this.id, nodeId });
    }
    return resolveNodeId(`ns=${index};${identifier}`);
  }

  private async acquire(): Promise<ClientSession> {
    if (this.closed) throw new EquipmentUnavailableError(`the gateway to ${this.id} is closed`, { endpoint: this.id });
    if (this.session) {
      // Fail fast: a request queued behind a reconnect would only end in a timeout.
      if (this.lostAt) throw new EquipmentUnavailableError(`${this.id} is disconnected since ${this.lostAt.toISOString()}; reconnecting`, { endpoint: this.id });
      return this.session;
    }
    if (!this.connecting) {
      this.connecting = this.connect().finally(() => {
        this.connecting = null;
      });
    }
    return this.connecting;
  }

  private async connect(): Promise<ClientSession> {
    const { config, shared } = this;
    // Trust-list changes made since the last attempt (GET/POST /equipment/certificates, E01) count
    // from the next connect: the manager runs without file watchers, so its index is re-read here.
    await shared.certificateManager.reloadCertificates();
    const client = OPCUAClient.create({
      applicationName: shared.applicationName,
      applicationUri: shared.applicationUri,
      clientName: `gemba-${config.id}`,
      clientCertificateManager: shared.certificateManager,
      certificateFile: shared.certificateFile,
      privateKeyFile: shared.privateKeyFile,
      securityMode: toMessageSecurityMode(config.securityMode),
      securityPolicy: toSecurityPolicy(config.securityPolicy),
      endpointMustExist: false,
      // maxRetry bounds the first connection only: node-opcua reconnects an established one forever.
      connectionStrategy: { initialDelay: 250, maxDelay: 5_000, maxRetry: 1, randomisationFactor: 0.1 },
      keepSessionAlive: true,
      keepAliveInterval: config.keepAliveIntervalMs,
      requestedSessionTimeout: config.sessionTimeoutMs,
      // Our own timeout fires first and maps to EquipmentTimeoutError; this one is a backstop.
      defaultTransactionTimeout: config.requestTimeoutMs + 1_000,
    });
    this.client = client;
    client.on('connection_lost', () => this.connectionLost());
    client.on('start_reconnection', () => this.connectionLost());
    client.on('connection_reestablished', () => shared.logger?.info({ endpoint: config.id }, 'OPC UA connection re-established; restoring session'));
    client.on('backoff', (count: number, delay: number) => shared.logger?.debug({ endpoint: config.id, count, delay }, 'OPC UA connect retry'));

    try {
      await withTimeout(client.connect(config.url), config.connectTimeoutMs);
      const session = await withTimeout(client.createSession(this.userIdentity()), config.connectTimeoutMs);
      this.namespaces = await withTimeout(session.readNamespaceArray(), config.requestTimeoutMs);
      session.on('session_restored', () => this.restored(session));
      session.on('keepalive_failure', () => shared.logger?.warn({ endpoint: config.id }, 'OPC UA keep-alive failed'));
      if (this.closed) {
        await this.dispose(client, session);
        throw new EquipmentUnavailableError(`the gateway to ${config.id} is closed`, { endpoint: config.id });
      }
      this.session = session;
      shared.logger?.info({ endpoint: config.id, url: config.url, securityMode: config.securityMode, securityPolicy: config.securityPolicy }, 'OPC UA session created');
      return session;
    } catch (err) {
      this.client = null;
      await this.dispose(client, null);
      throw toEquipmentError(err, config.id, 'connect', config.url);
    }
  }

  private userIdentity(): UserIdentityInfo {
    const identity = this.config.userIdentity;
    return identity.type === 'username'
      ? { type: UserTokenType.UserName, userName: identity.username, password: identity.password }
      : { type: UserTokenType.Anonymous };
  }

  private connectionLost() {
    if (this.lostAt || !this.session || this.closed) return;
    const at = this.shared.now();
    this.lostAt = at;
    this.shared.logger?.warn({ endpoint: this.id, at }, 'OPC UA connection lost');
    for (const observer of this.observers) observer.connectionLost(at);
  }

  private restored(session: ClientSession) {
    const from = this.lostAt;
    this.lostAt = null;
    if (!from || this.closed) return;
    const to = this.shared.now();
    this.shared.logger?.info({ endpoint: this.id, from, to }, 'OPC UA session and subscriptions restored');
    // A restarted server may have renumbered its namespaces; re-read lazily on next resolve.
    this.namespaces = [];
    void session.readNamespaceArray().then((array) => { this.namespaces = array; }, () => undefined);
    for (const observer of this.observers) observer.recovered(from, to);
  }

  /** Reads the server's NamespaceArray (tests and diagnostics). */
  async namespaceArray(): Promise<string[]> {
    return this.run('read', 'NamespaceArray', async (session, timed) => {
      const dataValue = await timed(session.read({ nodeId: 'i=2255', attributeId: AttributeIds.Value }));
      return (dataValue.value.value as string[]) ?? [];
    });
  }

  /** Closes the session and the client; pending reconnects stop. */
  async close(): Promise<void> {
    this.closed = true;
    this.observers.clear();
    const pending = this.connecting;
    if (pending) await pending.catch(() => undefined);
    const client = this.client;
    const session = this.session;
    this.client = null;
    this.session = null;
    if (client) await this.dispose(client, session);
  }

  private async dispose(client: OPCUAClient, session: ClientSession | null) {
    const budget = Math.min(this.config.requestTimeoutMs, 5_000);
    if (session && !this.lostAt) await withTimeout(session.close(true), budget).catch(() => undefined);
    await withTimeout(client.disconnect(), budget).catch((err) => this.shared.logger?.warn({ endpoint: this.id, err: describe(err) }, 'OPC UA disconnect failed'));
  }
}
