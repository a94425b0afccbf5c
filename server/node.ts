import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { createConnectorInvoker } from './adapters/http/connector-invoker';
import { HttpConnector } from './adapters/http/http-connector';
import { connectorSecretBox } from './commands/manage-connectors';
import type { Config } from './config';
import { createDb, type Database } from './db/create-db';
import { EventBus } from './events/bus';
import type { AppDeps } from './http/context';
import { EMIT_PERFORMANCE_OPERATION, emitProductionPerformanceOperation } from './isa95/emit-production-performance';
import { createBuiltInConnectors } from './jobs/built-in-connectors';
import { OutboxDispatcher } from './jobs/outbox-dispatcher';
import { JobPoller } from './jobs/job-poller';
import { TimerStartScheduler } from './jobs/timer-starts';
import { createClock } from './lib/clock';
import type { Logger } from './lib/logger';
import { findConnectorByName } from './repos/connectors.repo';
import { EngineRuntime } from './runtime/engine-runtime';
import { createOpcuaConnector } from './platform/opcua-connector';
import { createEquipmentMonitor } from './equipment/equipment-monitor';
import { createEquipmentWriteAudit } from './equipment/write-audit';
import { platformOperations } from './platform/operations';

/** A server node's parts, built the same way by main.ts and by the tests. */
export type Node = {
  deps: AppDeps;
  database: Database;
  /** Starts the job poller and the outbox dispatcher (when jobs are enabled). */
  start(): void;
  /** Stops the poller, the engine workers and the database, in that order. */
  stop(): Promise<void>;
};

/**
 * Wires one node: database, clock, event bus, engine workers, connectors and the job poller.
 * @throws DataDirLockedError when another process holds the embedded database.
 */
export function createNode(config: Config, logger: Logger, database: Database = createDb(config.database)): Node {
  const clock = createClock({ controlled: config.clockControlled });
  const bus = new EventBus(logger);
  const engine = new EngineRuntime({ workers: config.engine.workers, runTimeoutMs: config.engine.runTimeoutMs, youngGenerationMb: config.engine.youngGenerationMb });
  // Writes are signed and audited (E04); the audit reads the deps filled in below, when a write happens.
  const writeAudit = createEquipmentWriteAudit(() => deps);
  const opcua = createOpcuaConnector({ pkiDir: config.opcua.pkiDir, trustUnknownServerCertificates: config.opcua.trustUnknownServerCertificates, logger, writeAudit });
  const invoker = createConnectorInvoker({
    findConnector: (name) => findConnectorByName(database.knex, name),
    secretBox: () => connectorSecretBox(config, logger),
    http: new HttpConnector({ logger }),
    opcua,
  });
  const nodeId = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  // The poller needs the deps and the deps wake the poller: they are filled in right below.
  const pollerRef: { current?: JobPoller } = {};
  const outboxRef: { current?: OutboxDispatcher } = {};
  const timerStartsRef: { current?: TimerStartScheduler } = {};
  const deps: AppDeps = {
    db: database.knex,
    database,
    bus,
    clock,
    logger,
    config,
    engine,
    nodeId,
    wakeJobs: () => pollerRef.current?.wake(),
    drainJobs: async () => {
      // Schedules first (a release may have just added a due timer start), then jobs, then the outbox.
      await timerStartsRef.current?.settled();
      const jobs = pollerRef.current ? await pollerRef.current.drain() : 0;
      const messages = outboxRef.current && config.jobs.outboxEnabled ? await outboxRef.current.drain() : 0;
      return jobs + messages;
    },
  };
  // One built-in `gemba` connector: the platform's operations and the ISA-95 performance emitter.
  const gemba = platformOperations().set(EMIT_PERFORMANCE_OPERATION, emitProductionPerformanceOperation());
  const poller = new JobPoller(
    { ...deps, invoker, builtIns: createBuiltInConnectors([['gemba', gemba]]) },
    { intervalMs: config.jobs.pollMs, leaseMs: config.jobs.leaseMs, batchSize: 32, concurrency: config.jobs.concurrency },
  );
  pollerRef.current = poller;
  const outbox = new OutboxDispatcher({ ...deps, invoker }, { intervalMs: config.jobs.pollMs, leaseMs: config.jobs.leaseMs, backoffMs: config.jobs.backoffMs });
  outboxRef.current = outbox;
  // Timer start events of released versions: their schedules follow releases (jobs the poller fires).
  const timerStarts = new TimerStartScheduler(deps, 60_000);
  timerStartsRef.current = timerStarts;
  // Equipment state, samples and messages from every monitored opcua connector, on the connectors' own sessions.
  const equipmentMonitor = createEquipmentMonitor(
    { ...deps, secretBox: () => connectorSecretBox(config, logger) },
    { refreshMs: config.equipment.refreshMs, gatewayFor: (name, connectorConfig) => opcua.gateway(name, connectorConfig) },
  );
  return {
    deps,
    database,
    start() {
      if (config.equipment.monitorEnabled) equipmentMonitor.start();
      if (!config.jobs.enabled) return;
      timerStarts.start();
      poller.start();
      if (config.jobs.outboxEnabled) outbox.start();
    },
    async stop() {
      await outbox.stop();
      await timerStarts.stop();
      await poller.stop();
      await equipmentMonitor.stop();
      await opcua.close();
      await engine.close();
      await database.close();
    },
  };
}
