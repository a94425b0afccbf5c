/**
 * An OPC UA equipment simulator (E06): a heat-sealing packaging cell served by node-opcua on
 * 127.0.0.1. It models a PackML state machine, production counters, a seal-jaw temperature with
 * a high-limit alarm (an OPC UA ExclusiveLimitAlarm), a writable setpoint with a range, a job-order
 * receiver with result transfer, and a Machinery nameplate (OPC 40001-1, loaded from the MIT
 * nodeset XML of node-opcua-nodesets). Tests start it in-process on a free port; `opcua-cell.main.ts`
 * runs it as a program.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { timingSafeEqual, createHash } from 'node:crypto';
import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  StatusCodes,
  Variant,
  coerceLocalizedText,
  nodesets,
  standardUnits,
  type Namespace,
  type UAMethod,
  type UAObject,
  type UAVariable,
  type StatusCode,
  type CallMethodResultOptions,
} from 'node-opcua';
import type { Logger } from 'pino';
import { toMessageSecurityMode, toSecurityPolicy } from '../opcua/security';
import type { SecurityModeName, SecurityPolicyName } from '../opcua/equipment-gateway';
import {
  PACKML_STATE_NUMBERS,
  packmlCommandTarget,
  packmlStateComplete,
  type PackMLCommand,
  type PackMLState,
} from './packml';

/** The simulator's own namespace. Node ids below are string ids in it. */
export const CELL_NAMESPACE_URI = 'urn:gemba:simulator:opcua-cell';

const MACHINERY_NAMESPACE_URI = 'http://opcfoundation.org/UA/Machinery/';
const DI_NAMESPACE_URI = 'http://opcfoundation.org/UA/DI/';

/** Stable string identifiers of the simulator's nodes (documented in server/adapters/README.md). */
export const CELL_NODE_IDENTIFIERS = {
  cell: 'Cell',
  stateCurrent: 'Cell.StateCurrent',
  stateCurrentNumber: 'Cell.StateCurrentNumber',
  unitModeCurrent: 'Cell.UnitModeCurrent',
  prodProcessedCount: 'Cell.ProdProcessedCount',
  prodDefectiveCount: 'Cell.ProdDefectiveCount',
  temperature: 'Cell.Temperature',
  temperatureHighAlarm: 'Cell.TemperatureHighAlarm',
  setpoint: 'Cell.Setpoint',
  start: 'Cell.Start',
  stop: 'Cell.Stop',
  hold: 'Cell.Hold',
  unhold: 'Cell.Unhold',
  suspend: 'Cell.Suspend',
  unsuspend: 'Cell.Unsuspend',
  reset: 'Cell.Reset',
  abort: 'Cell.Abort',
  clear: 'Cell.Clear',
  jobOrder: 'Cell.JobOrder',
  jobId: 'Cell.JobOrder.JobId',
  partNumber: 'Cell.JobOrder.PartNumber',
  quantity: 'Cell.JobOrder.Quantity',
  jobProcessedCount: 'Cell.JobOrder.ProcessedCount',
  jobStatus: 'Cell.JobOrder.Status',
  loadJobOrder: 'Cell.LoadJobOrder',
  startJobOrder: 'Cell.StartJobOrder',
  getJobResult: 'Cell.GetJobResult',
  identification: 'Cell.Identification',
  manufacturer: 'Cell.Identification-Manufacturer',
  serialNumber: 'Cell.Identification-SerialNumber',
  model: 'Cell.Identification-Model',
  productInstanceUri: 'Cell.Identification-ProductInstanceUri',
  yearOfConstruction: 'Cell.Identification-YearOfConstruction',
} as const;

/** Names of the simulator's documented nodes. */
export type CellNodeKey = keyof typeof CELL_NODE_IDENTIFIERS;

/** The `nsu=` form of a simulator node id, independent of the namespace index. */
export function cellNodeId(key: CellNodeKey): string {
  return `nsu=${CELL_NAMESPACE_URI};s=${CELL_NODE_IDENTIFIERS[key]}`;
}

/** Life of a job order in the simulated cell. */
export type JobStatus = 'Loaded' | 'Running' | 'Completed' | 'Stopped' | 'Aborted';

/** A job order the cell has received, with its progress (result transfer). */
export interface JobOrder {
  jobId: string;
  partNumber: string;
  quantity: number;
  processed: number;
  defective: number;
  status: JobStatus;
  startedAt: Date | null;
}

/** Options of startCellSimulator; every one has a default. */
export interface CellSimulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on and to advertise; default 127.0.0.1. */
  host?: string;
  cellName?: string;
  /** Time per part while in Execute; default 500 ms. */
  cycleTimeMs?: number;
  /** Time an acting state (Starting, Holding, Stopping…) takes; default 100 ms. */
  transitionMs?: number;
  /** Every n-th part is defective; 0 for none; default 10. */
  defectEvery?: number;
  /** Seal-jaw high limit, °C; default 240. */
  temperatureHighLimit?: number;
  /** Setpoint range, °C; default 100..220; writes outside it get BadOutOfRange. */
  setpointRange?: { low: number; high: number };
  initialSetpoint?: number;
  nameplate?: { manufacturer?: string; serialNumber?: string; model?: string; yearOfConstruction?: number };
  /** Offered security modes and policies; default None only. */
  security?: { modes: SecurityModeName[]; policies: SecurityPolicyName[] };
  /** Accept anonymous sessions; default true. */
  allowAnonymous?: boolean;
  /** Accepted username/password pairs. */
  users?: ReadonlyArray<{ username: string; password: string }>;
  /** Certificate stores (own/, trusted/, rejected/); default a fresh temp dir removed by stop(). */
  pkiDir?: string;
  /** Trust every client certificate (development only); default false. */
  automaticallyAcceptUnknownCertificate?: boolean;
  logger?: Logger;
}

/** A running simulator: where it listens, its node ids, and hooks for tests. */
export interface CellSimulator {
  readonly endpointUrl: string;
  readonly port: number;
  readonly namespaceUri: string;
  readonly namespaceIndex: number;
  /** Node ids as `ns=<index>;s=<identifier>` strings for this run. */
  readonly nodeIds: Readonly<Record<CellNodeKey, string>>;
  readonly pkiDir: string;
  /** The server's application certificate (DER). */
  readonly certificate: Buffer;
  readonly state: PackMLState;
  readonly job: Readonly<JobOrder> | null;
  counters(): { processed: number; defective: number };
  temperature(): number;
  setpoint(): number;
  /** Puts the cell in a state as the machine itself would (a fault, an operator at the HMI). */
  setState(state: PackMLState): void;
  /** Same as setState: reads better in tests that inject a fault. */
  forceState(state: PackMLState): void;
  /** Sets the measured temperature; crossing the high limit activates the alarm. */
  setTemperature(value: number): void;
  /** Adds a client (or CA) certificate to the server's trust list. */
  trustCertificate(certificateDer: Buffer): Promise<void>;
  /** Cuts every client connection; sessions survive, so clients reactivate them. */
  dropConnections(): void;
  /**
   * Stops listening and cuts every connection, until goOnline(). With `closeSessions`, sessions and
   * their subscriptions are deleted as a server restart would, so clients must recreate them.
   */
  goOffline(options?: { closeSessions?: boolean }): Promise<void>;
  goOnline(): Promise<void>;
  /** Open sessions with the security of their channel and the user, for checks and diagnostics. */
  sessions(): Array<{ name: string; securityMode: SecurityModeName | 'Invalid'; securityPolicy: string; userName: string | null }>;
  stop(): Promise<void>;
}

const DEFAULTS = {
  host: '127.0.0.1',
  cellName: 'Sealing Cell 1',
  cycleTimeMs: 500,
  transitionMs: 100,
  defectEvery: 10,
  temperatureHighLimit: 240,
  setpointRange: { low: 100, high: 220 },
  initialSetpoint: 160,
  ambientTemperature: 25,
};

const METHOD_COMMANDS: ReadonlyArray<[CellNodeKey, PackMLCommand]> = [
  ['start', 'Start'], ['stop', 'Stop'], ['hold', 'Hold'], ['unhold', 'Unhold'], ['suspend', 'Suspend'],
  ['unsuspend', 'Unsuspend'], ['reset', 'Reset'], ['abort', 'Abort'], ['clear', 'Clear'],
];

/**
 * Starts the simulator and resolves once it accepts connections.
 * @throws Error when the port is taken or the nodesets cannot be loaded
 */
export async function startCellSimulator(options: CellSimulatorOptions = {}): Promise<CellSimulator> {
  const host = options.host ?? DEFAULTS.host;
  const cycleTimeMs = options.cycleTimeMs ?? DEFAULTS.cycleTimeMs;
  const transitionMs = options.transitionMs ?? DEFAULTS.transitionMs;
  const defectEvery = options.defectEvery ?? DEFAULTS.defectEvery;
  const setpointRange = options.setpointRange ?? DEFAULTS.setpointRange;
  const security = options.security ?? { modes: ['None'], policies: ['None'] };
  const logger = options.logger;

  const ownPki = options.pkiDir === undefined;
  const pkiDir = options.pkiDir ?? await mkdtemp(path.join(tmpdir(), 'gemba-opcua-sim-'));
  const serverCertificateManager = new OPCUACertificateManager({
    rootFolder: path.join(pkiDir, 'server'),
    automaticallyAcceptUnknownCertificate: options.automaticallyAcceptUnknownCertificate ?? false,
    // Trust is managed through trustCertificate(); watchers would only keep handles open.
    disableFileWatchers: true,
  });
  const userCertificateManager = new OPCUACertificateManager({
    rootFolder: path.join(pkiDir, 'user'),
    automaticallyAcceptUnknownCertificate: false,
    disableFileWatchers: true,
  });

  const users = options.users ?? [];
  let namespace: Namespace;
  const server = new OPCUAServer({
    port: options.port ?? 0,
    host,
    hostname: host,
    nodeset_filename: [nodesets.standard, nodesets.di, nodesets.ia, nodesets.machinery],
    // The packaged nodesets ship precompiled images next to the XML; they never change in place.
    nodesetLoaderOptions: { trustSiblingImages: true },
    securityModes: security.modes.map(toMessageSecurityMode),
    securityPolicies: security.policies.map(toSecurityPolicy),
    allowAnonymous: options.allowAnonymous ?? true,
    userManager: { isValidUser: (username: string, password: string) => users.some((u) => sameSecret(u.username, username) && sameSecret(u.password, password)) },
    serverCertificateManager,
    userCertificateManager,
    buildInfo: { productName: 'Gemba OPC UA cell simulator', manufacturerName: 'Gemba', softwareVersion: '1.0.0' },
    serverInfo: { applicationUri: `urn:gemba:simulator:${host}`, productUri: 'urn:gemba:simulator', applicationName: { text: 'Gemba cell simulator' } },
    disableDiscovery: false,
  });

  // Filled once the address space exists; stop() and a failed start clear its timers.
  let model: CellModel | null = null;
  const release = async () => {
    model?.dispose();
    await server.shutdown(0).catch(() => undefined);
    await serverCertificateManager.dispose();
    await userCertificateManager.dispose();
    if (ownPki) await rm(pkiDir, { recursive: true, force: true });
  };
  try {
    await server.initialize();
    const addressSpace = server.engine.addressSpace;
    if (!addressSpace) throw new Error('the OPC UA server has no address space after initialize()');
    // Binds ConditionRefresh, Acknowledge, Confirm… to their implementations.
    addressSpace.installAlarmsAndConditionsService();
    namespace = addressSpace.registerNamespace(CELL_NAMESPACE_URI);
    model = new CellModel({ cycleTimeMs, transitionMs, defectEvery, initialSetpoint: options.initialSetpoint ?? DEFAULTS.initialSetpoint });
    const nodes = buildAddressSpace(namespace, model, {
      cellName: options.cellName ?? DEFAULTS.cellName,
      highLimit: options.temperatureHighLimit ?? DEFAULTS.temperatureHighLimit,
      setpointRange,
      nameplate: options.nameplate ?? {},
    });
    model.attach(nodes, logger);
    await server.start();
  } catch (err) {
    await release();
    throw err;
  }
  const cell = model;
  const endpointUrl = server.getEndpointUrl();
  const port = Number(new URL(endpointUrl.replace(/^opc\.tcp:/, 'http:')).port);
  const namespaceIndex = namespace.index;
  const nodeIds = Object.fromEntries(
    Object.entries(CELL_NODE_IDENTIFIERS).map(([key, identifier]) => [key, `ns=${namespaceIndex};s=${identifier}`]),
  ) as Record<CellNodeKey, string>;
  logger?.info({ endpointUrl, namespaceUri: CELL_NAMESPACE_URI, namespaceIndex }, 'OPC UA cell simulator listening');

  let stopped = false;
  const endpoints = () => server.endpoints;

  return {
    endpointUrl,
    port,
    namespaceUri: CELL_NAMESPACE_URI,
    namespaceIndex,
    nodeIds,
    pkiDir,
    certificate: Buffer.from(server.getCertificate()),
    get state() { return cell.state; },
    get job() { return cell.job; },
    counters: () => ({ processed: cell.processed, defective: cell.defective }),
    temperature: () => cell.temperature,
    setpoint: () => cell.setpointValue(),
    setState: (state) => cell.force(state),
    forceState: (state) => cell.force(state),
    setTemperature: (value) => cell.setTemperature(value),
    trustCertificate: (certificateDer) => serverCertificateManager.trustCertificate(certificateDer),
    dropConnections() {
      for (const endpoint of endpoints()) endpoint.abruptlyInterruptChannels();
    },
    async goOffline(offlineOptions = {}) {
      // Closing the listener first stops new connections at once; the callback only says the
      // socket is released, which waits for the connections we are about to cut.
      const released = Promise.all(endpoints().map((endpoint) => new Promise<void>((resolve) => endpoint.suspendConnection(() => resolve()))));
      for (const endpoint of endpoints()) endpoint.abruptlyInterruptChannels();
      if (offlineOptions.closeSessions) {
        for (const session of server.engine.getSessions()) {
          server.engine.closeSession(session.authenticationToken, true, 'Terminated');
        }
      }
      await released;
      logger?.info({ endpointUrl }, 'simulator offline');
    },
    async goOnline() {
      await Promise.all(endpoints().map((endpoint) => new Promise<void>((resolve, reject) => endpoint.restoreConnection((err) => (err ? reject(err) : resolve())))));
      logger?.info({ endpointUrl }, 'simulator online');
    },
    sessions: () => server.engine.getSessions().map((session) => {
      const mode = session.channel?.securityMode;
      const token = session.userIdentityToken as { userName?: string } | undefined;
      return {
        name: session.sessionName,
        securityMode: mode === MessageSecurityMode.None ? 'None' : mode === MessageSecurityMode.Sign ? 'Sign' : mode === MessageSecurityMode.SignAndEncrypt ? 'SignAndEncrypt' : 'Invalid',
        securityPolicy: String(session.channel?.securityPolicy ?? '').replace(/^.*#/, ''),
        userName: token?.userName ?? null,
      };
    }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await release();
      logger?.info({ endpointUrl }, 'simulator stopped');
    },
  };
}

function sameSecret(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

interface CellNodes {
  stateCurrent: UAVariable;
  stateCurrentNumber: UAVariable;
  processed: UAVariable;
  defective: UAVariable;
  temperature: UAVariable;
  setpoint: UAVariable;
  jobId: UAVariable;
  partNumber: UAVariable;
  quantity: UAVariable;
  jobProcessed: UAVariable;
  jobStatus: UAVariable;
}

/**
 * The cell's behaviour, apart from how it is exposed: PackML transitions, production cycles,
 * temperature and jobs. Every change is pushed to the bound variables with setValueFromSource, so
 * each value carries the source timestamp of the moment it changed.
 */
class CellModel {
  state: PackMLState = 'Idle';
  processed = 0;
  defective = 0;
  temperature = DEFAULTS.ambientTemperature;
  job: JobOrder | null = null;
  private readonly results = new Map<string, JobOrder>();
  private nodes: CellNodes | null = null;
  private logger: Logger | undefined;
  private transitionTimer: NodeJS.Timeout | null = null;
  private cycleTimer: NodeJS.Timeout | null = null;
  private setpoint: number;

  constructor(private readonly options: { cycleTimeMs: number; transitionMs: number; defectEvery: number; initialSetpoint: number }) {
    this.setpoint = options.initialSetpoint;
  }

  attach(nodes: CellNodes, logger: Logger | undefined) {
    this.nodes = nodes;
    this.logger = logger;
    // A client write to the setpoint is the only change that does not come from this model.
    nodes.setpoint.on('value_changed', (dataValue) => {
      const value = dataValue.value.value;
      if (typeof value === 'number') this.setpoint = value;
    });
    this.publishState();
    this.publishCounters();
    this.publishTemperature();
    this.publishJob();
  }

  setpointValue() {
    return this.setpoint;
  }

  /** Applies a PackML command; the status tells the caller whether PackML allowed it. */
  command(command: PackMLCommand): StatusCode {
    const target = packmlCommandTarget(this.state, command);
    if (!target) return StatusCodes.BadInvalidState;
    if (command === 'Start' && this.job?.status === 'Loaded') {
      this.job.status = 'Running';
      this.job.startedAt = new Date();
    }
    this.enter(target);
    return StatusCodes.Good;
  }

  force(state: PackMLState) {
    this.enter(state);
  }

  /**
   * Loads a job (cell Idle). The job id is an idempotency key: loading the same job again is
   * Good and changes nothing; reusing its id for other parameters is BadInvalidArgument.
   */
  loadJob(jobId: string, partNumber: string, quantity: number): StatusCode {
    if (!jobId || !partNumber || !Number.isInteger(quantity) || quantity < 1) return StatusCodes.BadInvalidArgument;
    const existing = this.results.get(jobId);
    if (existing && (existing.partNumber !== partNumber || existing.quantity !== quantity)) return StatusCodes.BadInvalidArgument;
    if (existing && existing.status !== 'Loaded') return StatusCodes.Good;
    if (this.state !== 'Idle') return StatusCodes.BadInvalidState;
    this.job = existing ?? { jobId, partNumber, quantity, processed: 0, defective: 0, status: 'Loaded', startedAt: null };
    this.results.set(jobId, this.job);
    this.publishJob();
    return StatusCodes.Good;
  }

  /** Loads and starts a job; a repeated call for a job already started is Good and starts nothing. */
  startJob(jobId: string, partNumber: string, quantity: number): { status: StatusCode; startedAt?: Date } {
    const loaded = this.loadJob(jobId, partNumber, quantity);
    if (loaded.isNotGood()) return { status: loaded };
    const job = this.results.get(jobId)!;
    if (job.status !== 'Loaded') return { status: StatusCodes.Good, startedAt: job.startedAt ?? undefined };
    const started = this.command('Start');
    return { status: started, startedAt: job.startedAt ?? undefined };
  }

  jobResult(jobId: string): JobOrder | undefined {
    return this.results.get(jobId);
  }

  setTemperature(value: number) {
    this.temperature = value;
    this.publishTemperature();
  }

  dispose() {
    this.clearTimers();
  }

  private enter(state: PackMLState) {
    this.clearTimers();
    const previous = this.state;
    this.state = state;
    this.logger?.debug({ from: previous, to: state }, 'PackML transition');
    this.updateJobStatus(state);
    this.publishState();
    if (state === 'Execute') {
      this.cycleTimer = setInterval(() => this.cycle(), this.options.cycleTimeMs);
      return;
    }
    const next = packmlStateComplete(state);
    if (next) this.transitionTimer = setTimeout(() => this.enter(next), this.options.transitionMs);
  }

  private updateJobStatus(state: PackMLState) {
    const job = this.job;
    if (!job || job.status === 'Completed' || job.status === 'Aborted' || job.status === 'Stopped') return;
    if (state === 'Complete') job.status = 'Completed';
    else if (state === 'Aborting' || state === 'Aborted') job.status = 'Aborted';
    else if (state === 'Stopping' || state === 'Stopped') job.status = 'Stopped';
    this.publishJob();
  }

  private cycle() {
    this.processed += 1;
    const isDefective = this.options.defectEvery > 0 && this.processed % this.options.defectEvery === 0;
    if (isDefective) this.defective += 1;
    // The jaw heats towards the setpoint while the cell runs.
    this.temperature += (this.setpoint - this.temperature) * 0.3;
    this.publishCounters();
    this.publishTemperature();
    const job = this.job;
    if (job && job.status === 'Running') {
      job.processed += 1;
      if (isDefective) job.defective += 1;
      this.publishJob();
      if (job.processed >= job.quantity) this.enter('Completing');
    }
  }

  private clearTimers() {
    if (this.transitionTimer) clearTimeout(this.transitionTimer);
    if (this.cycleTimer) clearInterval(this.cycleTimer);
    this.transitionTimer = null;
    this.cycleTimer = null;
  }

  private publishState() {
    if (!this.nodes) return;
    this.nodes.stateCurrent.setValueFromSource({ dataType: DataType.String, value: this.state });
    this.nodes.stateCurrentNumber.setValueFromSource({ dataType: DataType.Int32, value: PACKML_STATE_NUMBERS[this.state] });
  }

  private publishCounters() {
    if (!this.nodes) return;
    this.nodes.processed.setValueFromSource({ dataType: DataType.UInt32, value: this.processed });
    this.nodes.defective.setValueFromSource({ dataType: DataType.UInt32, value: this.defective });
  }

  private publishTemperature() {
    // The alarm watches this variable (its InputNode) and evaluates the limit on every change.
    this.nodes?.temperature.setValueFromSource({ dataType: DataType.Double, value: this.temperature });
  }

  private publishJob() {
    if (!this.nodes) return;
    const job = this.job;
    this.nodes.jobId.setValueFromSource({ dataType: DataType.String, value: job?.jobId ?? '' });
    this.nodes.partNumber.setValueFromSource({ dataType: DataType.String, value: job?.partNumber ?? '' });
    this.nodes.quantity.setValueFromSource({ dataType: DataType.UInt32, value: job?.quantity ?? 0 });
    this.nodes.jobProcessed.setValueFromSource({ dataType: DataType.UInt32, value: job?.processed ?? 0 });
    this.nodes.jobStatus.setValueFromSource({ dataType: DataType.String, value: job?.status ?? '' });
  }
}

function buildAddressSpace(
  namespace: Namespace,
  model: CellModel,
  config: { cellName: string; highLimit: number; setpointRange: { low: number; high: number }; nameplate: NonNullable<CellSimulatorOptions['nameplate']> },
): CellNodes {
  const addressSpace = namespace.addressSpace;
  const id = (key: CellNodeKey) => `s=${CELL_NODE_IDENTIFIERS[key]}`;
  const machineryIndex = addressSpace.getNamespaceIndex(MACHINERY_NAMESPACE_URI);
  const diIndex = addressSpace.getNamespaceIndex(DI_NAMESPACE_URI);
  // Machinery's Machines folder (i=1001) is where Machinery clients look for machines.
  const machines = addressSpace.findNode(`ns=${machineryIndex};i=1001`) as UAObject | null;
  const serverObject = addressSpace.rootFolder.objects.server;

  const cell = namespace.addObject({
    browseName: config.cellName,
    nodeId: id('cell'),
    organizedBy: machines ?? addressSpace.rootFolder.objects,
    notifierOf: serverObject,
    eventNotifier: 1,
  });

  const variable = (key: CellNodeKey, browseName: string, dataType: string, value: Variant, description: string, parent: UAObject = cell) =>
    namespace.addVariable({
      componentOf: parent, browseName, nodeId: id(key), dataType, description, minimumSamplingInterval: 0, value,
      accessLevel: 'CurrentRead', userAccessLevel: 'CurrentRead',
    });

  const stateCurrent = variable('stateCurrent', 'StateCurrent', 'String', new Variant({ dataType: DataType.String, value: 'Idle' }), 'PackML state (PackTags Status.StateCurrent) by name');
  const stateCurrentNumber = variable('stateCurrentNumber', 'StateCurrentNumber', 'Int32', new Variant({ dataType: DataType.Int32, value: PACKML_STATE_NUMBERS.Idle }), 'PackML state by its PackTags number');
  variable('unitModeCurrent', 'UnitModeCurrent', 'Int32', new Variant({ dataType: DataType.Int32, value: 1 }), 'PackML unit mode (PackTags Status.UnitModeCurrent): 1 = Production');
  const processed = variable('prodProcessedCount', 'ProdProcessedCount', 'UInt32', new Variant({ dataType: DataType.UInt32, value: 0 }), 'Parts processed since start (PackTags Admin.ProdProcessedCount)');
  const defective = variable('prodDefectiveCount', 'ProdDefectiveCount', 'UInt32', new Variant({ dataType: DataType.UInt32, value: 0 }), 'Defective parts since start (PackTags Admin.ProdDefectiveCount)');

  const temperature = namespace.addAnalogDataItem({
    componentOf: cell,
    browseName: 'Temperature',
    nodeId: id('temperature'),
    dataType: 'Double',
    description: 'Seal-jaw temperature',
    engineeringUnitsRange: { low: 0, high: 400 },
    engineeringUnits: standardUnits.degree_celsius,
    minimumSamplingInterval: 0,
    accessLevel: 'CurrentRead',
    userAccessLevel: 'CurrentRead',
    value: new Variant({ dataType: DataType.Double, value: DEFAULTS.ambientTemperature }),
    eventSourceOf: cell,
  });

  const setpoint = namespace.addAnalogDataItem({
    componentOf: cell,
    browseName: 'Setpoint',
    nodeId: id('setpoint'),
    dataType: 'Double',
    description: 'Seal-jaw temperature setpoint; writable within its InstrumentRange',
    accessLevel: 'CurrentRead | CurrentWrite',
    userAccessLevel: 'CurrentRead | CurrentWrite',
    engineeringUnitsRange: config.setpointRange,
    instrumentRange: config.setpointRange,
    acceptValueOutOfRange: false,
    engineeringUnits: standardUnits.degree_celsius,
    minimumSamplingInterval: 0,
    value: new Variant({ dataType: DataType.Double, value: model.setpointValue() }),
  });

  // A high limit only: node-opcua adds the LowLimit/LowState optionals only when lowLimit is
  // given, although its option type declares it required.
  const alarmOptions = {
    browseName: 'TemperatureHighAlarm',
    nodeId: id('temperatureHighAlarm'),
    componentOf: cell,
    conditionSource: temperature,
    conditionName: 'TemperatureHigh',
    inputNode: temperature,
    highLimit: config.highLimit,
    optionals: ['ConfirmedState', 'Confirm'],
  };
  namespace.instantiateExclusiveLimitAlarm(
    'ExclusiveLimitAlarmType',
    alarmOptions as unknown as Parameters<Namespace['instantiateExclusiveLimitAlarm']>[1],
  );

  const jobOrder = namespace.addObject({ componentOf: cell, browseName: 'JobOrder', nodeId: id('jobOrder'), description: 'The job order the cell runs' });
  const jobId = variable('jobId', 'JobId', 'String', new Variant({ dataType: DataType.String, value: '' }), 'Loaded job id', jobOrder);
  const partNumber = variable('partNumber', 'PartNumber', 'String', new Variant({ dataType: DataType.String, value: '' }), 'Part number of the job', jobOrder);
  const quantity = variable('quantity', 'Quantity', 'UInt32', new Variant({ dataType: DataType.UInt32, value: 0 }), 'Ordered quantity', jobOrder);
  const jobProcessed = variable('jobProcessedCount', 'ProcessedCount', 'UInt32', new Variant({ dataType: DataType.UInt32, value: 0 }), 'Parts processed for the job', jobOrder);
  const jobStatus = variable('jobStatus', 'Status', 'String', new Variant({ dataType: DataType.String, value: '' }), 'Loaded, Running, Completed, Stopped or Aborted', jobOrder);

  for (const [key, command] of METHOD_COMMANDS) {
    const method = namespace.addMethod(cell, { browseName: command, nodeId: id(key), description: `PackML ${command} command`, inputArguments: [], outputArguments: [] });
    bind(method, () => ({ statusCode: model.command(command) }));
  }

  const jobArguments = [
    { name: 'JobId', dataType: DataType.String, description: 'Job order id' },
    { name: 'PartNumber', dataType: DataType.String, description: 'Part to produce' },
    { name: 'Quantity', dataType: DataType.UInt32, description: 'Parts to produce' },
  ];
  const loadJobOrder = namespace.addMethod(cell, {
    browseName: 'LoadJobOrder', nodeId: id('loadJobOrder'), description: 'Loads a job order (cell Idle); Start runs it',
    inputArguments: jobArguments, outputArguments: [],
  });
  bind(loadJobOrder, (args) => ({ statusCode: model.loadJob(String(args[0]?.value ?? ''), String(args[1]?.value ?? ''), Number(args[2]?.value)) }));

  const startJobOrder = namespace.addMethod(cell, {
    browseName: 'StartJobOrder', nodeId: id('startJobOrder'), description: 'Loads a job order and starts it (cell Idle); idempotent per JobId',
    inputArguments: jobArguments,
    outputArguments: [{ name: 'StartedAt', dataType: DataType.DateTime, description: 'When the cell accepted the job' }],
  });
  bind(startJobOrder, (args) => {
    const { status, startedAt } = model.startJob(String(args[0]?.value ?? ''), String(args[1]?.value ?? ''), Number(args[2]?.value));
    return { statusCode: status, outputArguments: startedAt ? [new Variant({ dataType: DataType.DateTime, value: startedAt })] : [] };
  });

  const getJobResult = namespace.addMethod(cell, {
    browseName: 'GetJobResult', nodeId: id('getJobResult'), description: 'Result transfer: status and counts of a job',
    inputArguments: [{ name: 'JobId', dataType: DataType.String, description: 'Job order id' }],
    outputArguments: [
      { name: 'Status', dataType: DataType.String, description: 'Loaded, Running, Completed, Stopped or Aborted' },
      { name: 'ProcessedCount', dataType: DataType.UInt32, description: 'Parts processed' },
      { name: 'DefectiveCount', dataType: DataType.UInt32, description: 'Defective parts' },
    ],
  });
  bind(getJobResult, (args) => {
    const result = model.jobResult(String(args[0]?.value ?? ''));
    if (!result) return { statusCode: StatusCodes.BadNotFound };
    return {
      statusCode: StatusCodes.Good,
      outputArguments: [
        new Variant({ dataType: DataType.String, value: result.status }),
        new Variant({ dataType: DataType.UInt32, value: result.processed }),
        new Variant({ dataType: DataType.UInt32, value: result.defective }),
      ],
    };
  });

  addNameplate(namespace, cell, diIndex, machineryIndex, config.cellName, config.nameplate);

  return { stateCurrent, stateCurrentNumber, processed, defective, temperature, setpoint, jobId, partNumber, quantity, jobProcessed, jobStatus };
}

function bind(method: UAMethod, handler: (args: Variant[]) => CallMethodResultOptions) {
  // node-opcua tells the promise form from the callback form by the function's arity (2).
  method.bindMethod(async (inputArguments: Variant[], _context: unknown) => handler(inputArguments));
}

/** Machinery nameplate: an Identification of MachineIdentificationType (OPC 40001-1 §8). */
function addNameplate(
  namespace: Namespace,
  cell: UAObject,
  diIndex: number,
  machineryIndex: number,
  cellName: string,
  nameplate: NonNullable<CellSimulatorOptions['nameplate']>,
) {
  const addressSpace = namespace.addressSpace;
  const identificationType = addressSpace.findObjectType('MachineIdentificationType', machineryIndex);
  if (!identificationType) throw new Error('MachineIdentificationType not found: is the Machinery nodeset loaded?');
  identificationType.instantiate({
    browseName: { name: 'Identification', namespaceIndex: diIndex },
    nodeId: `s=${CELL_NODE_IDENTIFIERS.identification}`,
    namespace,
    componentOf: cell,
    optionals: ['Model', 'YearOfConstruction'],
  });
  const serialNumber = nameplate.serialNumber ?? 'SIM-0001';
  const values: Array<[CellNodeKey, Variant]> = [
    ['manufacturer', new Variant({ dataType: DataType.LocalizedText, value: coerceLocalizedText(nameplate.manufacturer ?? 'Gemba Simulated Machines') })],
    ['serialNumber', new Variant({ dataType: DataType.String, value: serialNumber })],
    ['productInstanceUri', new Variant({ dataType: DataType.String, value: `urn:gemba:simulator:${encodeURIComponent(cellName)}:${serialNumber}` })],
    ['model', new Variant({ dataType: DataType.LocalizedText, value: coerceLocalizedText(nameplate.model ?? 'HS-200 heat sealer') })],
    ['yearOfConstruction', new Variant({ dataType: DataType.UInt16, value: nameplate.yearOfConstruction ?? 2024 })],
  ];
  for (const [key, value] of values) {
    // node-opcua names an instance's children `<parent id>-<BrowseName>`: the identifiers above.
    const property = addressSpace.findNode(`ns=${namespace.index};s=${CELL_NODE_IDENTIFIERS[key]}`) as UAVariable | null;
    if (!property) throw new Error(`nameplate property ${CELL_NODE_IDENTIFIERS[key]} missing`);
    property.setValueFromSource(value);
  }
}
