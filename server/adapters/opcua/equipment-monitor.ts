import type { Logger } from 'pino';
import type {
  EquipmentGateway,
  EquipmentNotification,
  EquipmentSubscription,
  EquipmentValue,
  GapNotification,
  NotificationListener,
} from './equipment-gateway';

/**
 * A BPMN message derived from equipment data: the lead's correlation command delivers it to the
 * instance waiting with `correlationKey` (E02, E03).
 */
export interface EquipmentMessage {
  name: string;
  correlationKey: string;
  variables: Record<string, unknown>;
  /**
   * The same for the same observation. After a reconnect the equipment reports current values
   * again; a sink that persists this key can refuse the replay across process restarts too.
   */
  dedupeKey: string;
}

/** Where equipment messages go; implemented by the lead on top of message correlation. */
export interface EquipmentMessageSink {
  correlate(message: EquipmentMessage): Promise<void>;
}

/** Watches a state variable; a value listed in `messages` sends that message. */
export interface StateWatch {
  endpoint: string;
  nodeId: string;
  samplingMs?: number;
  correlationKey: string;
  /** Value (as text) → message name, e.g. `{ Held: 'EquipmentHeld', Aborted: 'EquipmentAborted' }`. */
  messages: Readonly<Record<string, string>>;
}

/** Watches a variable (a counter, a temperature) without sending messages: it feeds the snapshot. */
export interface ValueWatch {
  endpoint: string;
  nodeId: string;
  samplingMs?: number;
}

/** Watches alarms; an active alarm at or above `minSeverity` sends `messageName`. */
export interface AlarmWatch {
  endpoint: string;
  sourceNodeId?: string;
  correlationKey: string;
  messageName: string;
  minSeverity?: number;
}

export interface EquipmentMonitorOptions {
  states?: readonly StateWatch[];
  values?: readonly ValueWatch[];
  alarms?: readonly AlarmWatch[];
  /** Every notification, for persisting equipment state, counters and gaps. */
  onNotification?: NotificationListener;
  logger?: Logger;
}

export interface EquipmentSnapshot {
  endpoint: string;
  connected: boolean;
  values: Record<string, EquipmentValue>;
  gaps: Array<Pick<GapNotification, 'from' | 'to'>>;
}

export interface EquipmentMonitor {
  /** The latest value of every watched node and the gaps seen, per endpoint. */
  snapshot(endpoint: string): EquipmentSnapshot | undefined;
  stop(): Promise<void>;
}

/**
 * Subscribes to the watched nodes and alarms and turns matching observations into messages for
 * the sink, one at a time and in arrival order. A message the sink rejects is logged and dropped:
 * the equipment keeps reporting, and a stuck sink must not stop monitoring.
 * @throws what EquipmentGateway.subscribe throws; subscriptions made so far are closed again
 */
export async function startEquipmentMonitor(gateway: EquipmentGateway, options: EquipmentMonitorOptions, sink: EquipmentMessageSink): Promise<EquipmentMonitor> {
  const snapshots = new Map<string, EquipmentSnapshot>();
  const lastMessageKey = new Map<string, string>();
  const subscriptions: EquipmentSubscription[] = [];
  let queue: Promise<void> = Promise.resolve();

  const snapshotOf = (endpoint: string) => {
    let snapshot = snapshots.get(endpoint);
    if (!snapshot) snapshots.set(endpoint, (snapshot = { endpoint, connected: true, values: {}, gaps: [] }));
    return snapshot;
  };

  const send = (message: EquipmentMessage, slot: string) => {
    if (lastMessageKey.get(slot) === message.dedupeKey) return;
    lastMessageKey.set(slot, message.dedupeKey);
    queue = queue.then(() => sink.correlate(message)).catch((err) => {
      options.logger?.error({ err, message: message.name, correlationKey: message.correlationKey }, 'equipment message not correlated');
    });
  };

  const record = (notification: EquipmentNotification) => {
    const snapshot = snapshotOf(notification.endpoint);
    if (notification.kind === 'dataChange') {
      const { value, dataType, statusCode, good, sourceTimestamp, serverTimestamp } = notification;
      snapshot.values[notification.nodeId] = { value, dataType, statusCode, good, sourceTimestamp, serverTimestamp };
    } else if (notification.kind === 'connectionLost') {
      snapshot.connected = false;
    } else if (notification.kind === 'gap') {
      snapshot.connected = true;
      snapshot.gaps.push({ from: notification.from, to: notification.to });
    }
    options.onNotification?.(notification);
  };

  const itemsByEndpoint = new Map<string, Array<{ nodeId: string; samplingMs?: number }>>();
  for (const watch of [...(options.states ?? []), ...(options.values ?? [])]) {
    const items = itemsByEndpoint.get(watch.endpoint) ?? [];
    if (!items.some((item) => item.nodeId === watch.nodeId)) items.push({ nodeId: watch.nodeId, samplingMs: watch.samplingMs });
    itemsByEndpoint.set(watch.endpoint, items);
  }

  try {
    for (const [endpoint, items] of itemsByEndpoint) {
      const states = (options.states ?? []).filter((watch) => watch.endpoint === endpoint);
      const subscription = await gateway.subscribe(endpoint, items, (notification) => {
        // Connection notifications reach every subscription of the endpoint; record them once.
        if (notification.kind !== 'event') record(notification);
        if (notification.kind !== 'dataChange' || !notification.good) return;
        for (const watch of states) {
          if (watch.nodeId !== notification.nodeId) continue;
          const name = watch.messages[String(notification.value)];
          if (!name) continue;
          const observedAt = notification.sourceTimestamp?.toISOString() ?? null;
          send({
            name,
            correlationKey: watch.correlationKey,
            variables: { equipmentEndpoint: endpoint, nodeId: watch.nodeId, value: notification.value, sourceTimestamp: observedAt, statusCode: notification.statusCode },
            dedupeKey: `${endpoint}|${watch.nodeId}|${String(notification.value)}|${observedAt}`,
          }, `${endpoint}|${watch.nodeId}`);
        }
      });
      subscriptions.push(subscription);
    }
    for (const watch of options.alarms ?? []) {
      const subscription = await gateway.subscribeEvents(watch.endpoint, { sourceNodeId: watch.sourceNodeId }, (notification) => {
        if (notification.kind !== 'event') {
          // The data subscription of the same endpoint records connection changes, if there is one.
          if (!itemsByEndpoint.has(watch.endpoint)) record(notification);
          return;
        }
        options.onNotification?.(notification);
        if (!notification.activeState || (notification.severity ?? 0) < (watch.minSeverity ?? 0) || !notification.eventId) return;
        send({
          name: watch.messageName,
          correlationKey: watch.correlationKey,
          variables: {
            equipmentEndpoint: watch.endpoint,
            conditionId: notification.conditionId,
            conditionName: notification.conditionName,
            eventId: notification.eventId,
            severity: notification.severity,
            message: notification.message,
            time: notification.time?.toISOString() ?? null,
          },
          dedupeKey: `${watch.endpoint}|${notification.conditionId}|${notification.eventId}`,
        }, `${watch.endpoint}|alarm|${notification.conditionId}`);
      });
      subscriptions.push(subscription);
    }
  } catch (err) {
    await Promise.all(subscriptions.map((subscription) => subscription.close()));
    throw err;
  }

  return {
    snapshot(endpoint) {
      const snapshot = snapshots.get(endpoint);
      return snapshot && { ...snapshot, values: { ...snapshot.values }, gaps: [...snapshot.gaps] };
    },
    async stop() {
      await Promise.all(subscriptions.map((subscription) => subscription.close()));
      await queue;
    },
  };
}
