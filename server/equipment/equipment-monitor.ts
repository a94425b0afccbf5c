import type { OpcuaConnectorConfig } from '../adapters/http/connector-config';
import { revealConnectorConfig } from '../adapters/http/connector-secrets';
import type { EquipmentGateway, EquipmentNotification, EquipmentSubscription } from '../adapters/opcua/equipment-gateway';
import { systemActor } from '../auth/actor';
import { runCommand, type CommandDeps } from '../commands/run-command';
import type { SecretBox } from '../lib/secret-box';
import { listConnectors } from '../repos/connectors.repo';
import type { EngineRuntime } from '../runtime/engine-runtime';
import { listMonitoring } from './equipment.repo';
import type { MonitoringConfig, ReadingRole } from './monitoring-config';
import { recordObservation, type Observation, type ObservationSource } from './record-observation';

// The equipment monitor of one node (E02, E03): subscribes to the watched nodes and alarms of
// every active `opcua` connector that has a monitoring configuration, and records what it sees
// (record-observation.ts), one observation at a time in its own short transaction. Every node
// runs one; the observation claims make one node act per change. Subscriptions follow the
// registry: on this node's connector and monitoring changes at once, on other nodes' within
// `refreshMs`.

/** The connector's session (shared with its job operations), for its revealed configuration. */
export type GatewayProvider = (name: string, config: OpcuaConnectorConfig) => Promise<EquipmentGateway>;

export type EquipmentMonitorDeps = CommandDeps & { engine: EngineRuntime; nodeId: string; secretBox: () => SecretBox };

export type EquipmentMonitor = {
  start(): void;
  /** Re-reads the registry and (re)subscribes what changed; resolves when done. */
  refresh(): Promise<void>;
  /** Resolves when every observation received so far is recorded. */
  settled(): Promise<void>;
  stop(): Promise<void>;
};

const actor = systemActor('equipment-monitor');

/** A Date of this realm (node-opcua's may come from another one under jest). */
const date = (value: Date | null | undefined): Date | null => (value ? new Date(value.getTime()) : null);

function toObservation(notification: EquipmentNotification, roles: ReadonlyMap<string, ReadingRole>): Observation | undefined {
  switch (notification.kind) {
    case 'dataChange': {
      const role = roles.get(notification.nodeId);
      if (!role) return undefined;
      return { kind: 'reading', role, nodeId: notification.nodeId, value: notification.value, statusCode: notification.statusCode, good: notification.good, sourceTimestamp: date(notification.sourceTimestamp), receivedAt: date(notification.receivedAt)! };
    }
    case 'event':
      return {
        kind: 'alarm',
        conditionId: notification.conditionId,
        conditionName: notification.conditionName,
        eventId: notification.eventId,
        active: notification.activeState,
        acked: notification.ackedState,
        confirmed: notification.confirmedState,
        retain: notification.retain,
        severity: notification.severity,
        message: notification.message,
        time: date(notification.time),
        receivedAt: date(notification.receivedAt)!,
      };
    case 'connectionLost':
      return { kind: 'connection', status: 'disconnected', at: date(notification.at)! };
    case 'gap':
      return { kind: 'gap', from: date(notification.from)!, to: date(notification.to)! };
  }
}

export type EquipmentMonitorOptions = {
  refreshMs: number;
  gatewayFor: GatewayProvider;
  /** Told after each observation is recorded (or found already recorded by another node): for diagnostics. */
  onRecorded?: (equipmentId: string, observation: Observation, acted: boolean) => void;
};

export function createEquipmentMonitor(deps: EquipmentMonitorDeps, options: EquipmentMonitorOptions): EquipmentMonitor {
  const watched = new Map<string, { key: string; subscriptions: EquipmentSubscription[] }>();
  let queue: Promise<void> = Promise.resolve();
  let refreshing: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let unsubscribeBus: (() => void) | undefined;
  let stopped = false;

  const enqueue = (source: ObservationSource, observation: Observation) => {
    queue = queue
      .then(() => runCommand(deps, actor, { requestId: `equipment:${source.equipmentId}` }, (ctx) => recordObservation(ctx, deps.engine, source, observation)))
      .then(
        (result) => options.onRecorded?.(source.equipmentId, observation, result.acted),
        (err: unknown) => deps.logger.error({ err, equipment: source.equipmentId, observation: observation.kind }, 'equipment observation not recorded'),
      );
  };

  async function subscribe(name: string, config: OpcuaConnectorConfig, monitoring: MonitoringConfig): Promise<EquipmentSubscription[]> {
    const source: ObservationSource = { equipmentId: name, config: monitoring, clusterNode: deps.nodeId };
    const roles = new Map<string, ReadingRole>();
    for (const [role, nodeId] of Object.entries(monitoring.nodes) as Array<[ReadingRole, string | undefined]>) if (nodeId && !roles.has(nodeId)) roles.set(nodeId, role);
    const gateway = await options.gatewayFor(name, config);
    const subscriptions: EquipmentSubscription[] = [];
    try {
      if (roles.size > 0) {
        const items = [...roles.keys()].map((nodeId) => ({ nodeId, samplingMs: monitoring.samplingMs, queueSize: 100 }));
        subscriptions.push(
          await gateway.subscribe(name, items, (notification) => {
            const observation = toObservation(notification, roles);
            if (observation && observation.kind !== 'alarm') enqueue(source, observation);
          }),
        );
      }
      if (monitoring.alarmSource) {
        subscriptions.push(
          await gateway.subscribeEvents(name, { sourceNodeId: monitoring.alarmSource }, (notification) => {
            // Connection changes reach every subscription of the endpoint: the data subscription records them.
            if (notification.kind !== 'event' && roles.size > 0) return;
            const observation = toObservation(notification, roles);
            if (observation) enqueue(source, observation);
          }),
        );
      }
    } catch (error) {
      await Promise.all(subscriptions.map((s) => s.close().catch(() => undefined)));
      throw error;
    }
    enqueue(source, { kind: 'connection', status: 'connected', at: deps.clock.now() });
    return subscriptions;
  }

  async function unwatch(name: string) {
    const entry = watched.get(name);
    watched.delete(name);
    await Promise.all((entry?.subscriptions ?? []).map((s) => s.close().catch(() => undefined)));
  }

  async function doRefresh() {
    const [connectors, monitorings] = await Promise.all([listConnectors(deps.db), listMonitoring(deps.db)]);
    const desired = new Map<string, { key: string; connector: (typeof connectors)[number]; monitoring: MonitoringConfig }>();
    for (const monitoring of monitorings) {
      const connector = connectors.find((c) => c.name === monitoring.equipmentId && c.kind === 'opcua' && c.status === 'active');
      if (connector) desired.set(connector.name, { key: `${connector.id}:${connector.rowVersion}:${monitoring.rowVersion}`, connector, monitoring: monitoring.config });
    }
    for (const [name, entry] of [...watched]) if (desired.get(name)?.key !== entry.key) await unwatch(name);
    for (const [name, want] of desired) {
      if (stopped || watched.has(name)) continue;
      try {
        const config = revealConnectorConfig(deps.secretBox(), want.connector) as OpcuaConnectorConfig;
        watched.set(name, { key: want.key, subscriptions: await subscribe(name, config, want.monitoring) });
      } catch (err) {
        // Tried again on the next refresh; node-opcua recovers established sessions by itself.
        deps.logger.warn({ err, equipment: name }, 'equipment not monitored: cannot subscribe');
        enqueue({ equipmentId: name, config: want.monitoring, clusterNode: deps.nodeId }, { kind: 'connection', status: 'unreachable', at: deps.clock.now() });
      }
    }
  }

  const refresh = () => {
    refreshing = refreshing.then(() => (stopped ? undefined : doRefresh())).catch((err: unknown) => deps.logger.error({ err }, 'equipment monitor refresh failed'));
    return refreshing;
  };

  return {
    start() {
      unsubscribeBus = deps.bus.subscribe((event) => {
        if (/^connector\.(created|updated)$/.test(event.type) || event.type === 'equipment.monitoringConfigured') void refresh();
      });
      timer = setInterval(() => void refresh(), options.refreshMs);
      timer.unref();
      void refresh();
    },
    refresh,
    async settled() {
      await refreshing;
      await queue;
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      unsubscribeBus?.();
      await refreshing;
      await Promise.all([...watched.keys()].map(unwatch));
      await queue;
    },
  };
}
