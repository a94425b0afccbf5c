import { deliverToSubscription } from '../commands/instances/correlate';
import { startInstance } from '../commands/instances/start-instance';
import type { CommandContext } from '../commands/run-command';
import { insertEquipmentSamples, type NewEquipmentSample } from '../repos/equipment-samples.repo';
import { findMessageSubscribers } from '../repos/subscriptions.repo';
import type { EngineRuntime } from '../runtime/engine-runtime';
import { releasedVersionsStartingOn } from '../runtime/start-events';
import { claimObservation, lockState, setObservationMessage, updateState, type AlarmReading, type ConnectionStatus } from './equipment.repo';
import type { MonitoringConfig, ReadingRole } from './monitoring-config';

// Turns one equipment notification into rows and, where configured, a BPMN message, in the
// caller's transaction (no network I/O here). Every node observes every change; the node whose
// claim of the observation's dedupe key wins acts, the others (and replays) do nothing.

/** What the monitor saw, with node-opcua's values already plain (dates of this realm). */
export type Observation =
  | { kind: 'reading'; role: ReadingRole; nodeId: string; value: unknown; statusCode: string; good: boolean; sourceTimestamp: Date | null; receivedAt: Date }
  | {
      kind: 'alarm';
      conditionId: string | null;
      conditionName: string | null;
      eventId: string | null;
      active: boolean | null;
      acked: boolean | null;
      /** Absent on observations from before E03's condition list; null when the server has no ConfirmedState. */
      confirmed?: boolean | null;
      retain?: boolean | null;
      severity: number | null;
      message: string | null;
      time: Date | null;
      receivedAt: Date;
    }
  | { kind: 'connection'; status: Exclude<ConnectionStatus, 'unknown'>; at: Date }
  | { kind: 'gap'; from: Date; to: Date };

export type ObservationSource = { equipmentId: string; config: MonitoringConfig; clusterNode: string };

/** The message an observation sent, and where it went. */
export type SentMessage = { name: string; correlationKey: string; reached: string[]; started: string[] };

/** JSON-safe: 64-bit integers become numbers (counters) or text (beyond 2^53). */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/**
 * Delivers a message as `POST /messages` does: to every instance waiting for it under the key, or,
 * when none waits, starts each released process with a start event on it (business key = the key).
 */
export async function correlateEquipmentMessage(ctx: CommandContext, engine: EngineRuntime, message: { name: string; correlationKey: string; variables: Record<string, unknown> }): Promise<SentMessage> {
  const reached: string[] = [];
  const started: string[] = [];
  const seen = new Set<string>();
  for (const subscription of await findMessageSubscribers(ctx.trx, message.name, message.correlationKey)) {
    if (seen.has(subscription.instanceId)) continue;
    seen.add(subscription.instanceId);
    if (await deliverToSubscription(ctx, engine, subscription, message)) reached.push(subscription.instanceId);
  }
  if (reached.length === 0) {
    for (const version of await releasedVersionsStartingOn(ctx.trx, 'message', message.name)) {
      const result = await startInstance(ctx, engine, version, { businessKey: message.correlationKey, variables: message.variables, messageName: message.name });
      started.push(result.instanceId);
    }
  }
  if (reached.length + started.length > 0) ctx.afterCommit(() => ctx.wakeJobs?.());
  return { name: message.name, correlationKey: message.correlationKey, reached, started };
}

/**
 * Records an observation. Returns whether this call acted on it (false: already recorded by a
 * node, or nothing to record) and the message it sent.
 */
export async function recordObservation(ctx: CommandContext, engine: EngineRuntime, source: ObservationSource, observation: Observation): Promise<{ acted: boolean; message?: SentMessage }> {
  const { equipmentId, config, clusterNode } = source;
  const correlationKey = config.correlationKey ?? equipmentId;

  if (observation.kind === 'connection') {
    const state = await lockState(ctx.trx, equipmentId, ctx.now);
    if (state.connection === observation.status && state.connectionObservedBy === clusterNode) return { acted: false };
    await updateState(ctx.trx, { ...state, connection: observation.status, connectionChangedAt: observation.at, connectionObservedBy: clusterNode }, ctx.now);
    return { acted: true };
  }

  if (observation.kind === 'gap') {
    // Gaps are per session: each node records the gap of its own connection.
    const dedupeKey = `gap|${clusterNode}|${observation.from.toISOString()}`;
    const payload = { from: observation.from.toISOString(), to: observation.to.toISOString() };
    if (!(await claimObservation(ctx.trx, { equipmentId, dedupeKey, kind: 'gap', sourceTimestamp: observation.from, payload, nodeId: clusterNode, now: ctx.now }))) return { acted: false };
    const state = await lockState(ctx.trx, equipmentId, ctx.now);
    await updateState(ctx.trx, { ...state, connection: 'connected', connectionChangedAt: observation.to, connectionObservedBy: clusterNode }, ctx.now);
    ctx.emit({ type: 'equipment.gapRecorded', entity: { type: 'Equipment', id: equipmentId }, after: { ...payload, node: clusterNode } });
    return { acted: true };
  }

  if (observation.kind === 'alarm') {
    if (!observation.conditionId) return { acted: false };
    const time = observation.time?.toISOString() ?? null;
    const dedupeKey = `alarm|${observation.conditionId}|${observation.eventId ?? time ?? observation.receivedAt.toISOString()}`;
    const alarm: AlarmReading = {
      conditionId: observation.conditionId,
      conditionName: observation.conditionName,
      active: observation.active,
      acked: observation.acked,
      severity: observation.severity,
      message: observation.message,
      time,
    };
    if (!(await claimObservation(ctx.trx, { equipmentId, dedupeKey, kind: 'alarm', sourceTimestamp: observation.time, payload: { ...alarm, eventId: observation.eventId, confirmed: observation.confirmed ?? null, retain: observation.retain ?? null }, nodeId: clusterNode, now: ctx.now }))) return { acted: false };
    const state = await lockState(ctx.trx, equipmentId, ctx.now);
    if (!state.alarm?.time || !time || state.alarm.time <= time) await updateState(ctx.trx, { ...state, alarm }, ctx.now);
    if (!observation.active || !config.alarmMessage || (observation.severity ?? 0) < config.alarmMinSeverity) return { acted: true };
    const message = await correlateEquipmentMessage(ctx, engine, {
      name: config.alarmMessage,
      correlationKey,
      variables: {
        equipmentId,
        eventClass: 'equipment',
        title: `${equipmentId}: ${observation.message ?? observation.conditionName ?? 'alarm'}`,
        conditionName: observation.conditionName,
        severity: observation.severity,
        alarmTime: time,
      },
    });
    await setObservationMessage(ctx.trx, equipmentId, dedupeKey, message);
    return { acted: true, message };
  }

  const value = plain(observation.value);
  const sourceTimestamp = observation.sourceTimestamp ?? observation.receivedAt;
  const at = sourceTimestamp.toISOString();
  const dedupeKey = `data|${observation.role}|${observation.nodeId}|${at}|${observation.statusCode}|${JSON.stringify(value) ?? 'null'}`;
  if (!(await claimObservation(ctx.trx, { equipmentId, dedupeKey, kind: 'data', sourceTimestamp, payload: { role: observation.role, nodeId: observation.nodeId, value, statusCode: observation.statusCode }, nodeId: clusterNode, now: ctx.now }))) {
    return { acted: false };
  }
  const state = await lockState(ctx.trx, equipmentId, ctx.now);
  const previous = state.readings[observation.role];
  // Notifications of different items may arrive out of order: the newest source timestamp wins.
  if (previous?.sourceTimestamp && previous.sourceTimestamp > at) return { acted: true };
  const readings = { ...state.readings, [observation.role]: { value, statusCode: observation.statusCode, sourceTimestamp: at } };
  const lastSampleAt = state.lastSampleAt && state.lastSampleAt > sourceTimestamp ? state.lastSampleAt : sourceTimestamp;
  await updateState(ctx.trx, { ...state, readings, lastSampleAt }, ctx.now);
  if (!observation.good) return { acted: true };

  // Samples for OEE (K01), with the equipment's own timestamps.
  const samples: NewEquipmentSample[] = [];
  if (observation.role === 'state') samples.push({ kind: 'state', equipmentId, state: String(value), sourceTimestamp, statusCode: observation.statusCode, source: 'opcua' });
  if (observation.role === 'processed' || observation.role === 'defective') {
    const processed = readings.processed;
    const defective = readings.defective;
    if (processed?.statusCode === 'Good' && defective?.statusCode === 'Good') {
      // The pair holds each counter's newest reading, so it is true from the later of their two
      // timestamps on. Stamped with this notification's own time instead, a defective count that
      // arrives after a newer processed count would put that newer count before older samples, and
      // the apparent drop would be read as a counter reset (OEE counting parts twice).
      const pairTime = new Date(Math.max(sourceTimestamp.getTime(), ...[processed.sourceTimestamp, defective.sourceTimestamp].map((t) => (t ? Date.parse(t) : 0))));
      samples.push({ kind: 'counter', equipmentId, processedCount: Number(processed.value), defectiveCount: Number(defective.value), sourceTimestamp: pairTime, statusCode: observation.statusCode, source: 'opcua' });
    }
  }
  await insertEquipmentSamples(ctx.trx, samples, ctx.now);

  if (observation.role !== 'state') return { acted: true };
  const name = config.stateMessages[String(value)];
  // A transition sends the message; the same state reported again (a recovery) does not.
  if (!name || (previous && previous.value === value)) return { acted: true };
  const message = await correlateEquipmentMessage(ctx, engine, {
    name,
    correlationKey,
    variables: {
      equipmentId,
      eventClass: 'equipment',
      title: `${equipmentId} went to ${String(value)}`,
      state: value,
      previousState: previous?.value ?? null,
      stateTimestamp: at,
    },
  });
  await setObservationMessage(ctx.trx, equipmentId, dedupeKey, message);
  ctx.emit({
    type: 'equipment.messageSent',
    entity: { type: 'Equipment', id: equipmentId },
    after: { state: value, previousState: previous?.value ?? null, sourceTimestamp: at, message: name, correlationKey, reached: message.reached, started: message.started, node: clusterNode },
  });
  return { acted: true, message };
}
