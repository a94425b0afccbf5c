import { systemActor } from '../auth/actor';
import type { EquipmentGateway, EquipmentNotification, EquipmentSubscription } from '../adapters/opcua/equipment-gateway';
import { runCommand, type CommandDeps } from '../commands/run-command';
import type { NewEquipmentSample } from '../repos/equipment-samples.repo';
import { recordEquipmentSamples } from './equipment-profile';

// Feeds OEE (K01): subscribes to a machine's PackML state and its cumulative good/defective
// counters over OPC UA and stores what it observes as equipment samples, with the equipment's
// source timestamps. Samples are buffered and written in one short transaction per flush, never
// while waiting on the network.

/** The nodes of one machine to sample (node ids as the gateway takes them). */
export type SampledMachine = { equipmentId: string; endpoint: string; stateNodeId: string; processedNodeId: string; defectiveNodeId: string };

export type EquipmentSampler = {
  /** Writes the buffered samples now; resolves with how many were written. */
  flush(): Promise<number>;
  /** Stops the subscriptions and writes what is left. */
  stop(): Promise<void>;
};

/**
 * Starts sampling the machines through the gateway; samples are written every `flushMs` (and on
 * flush/stop). A counter sample is stored when either counter changes, with both values.
 * @throws what EquipmentGateway.subscribe throws; subscriptions made so far are closed again
 */
export async function startEquipmentSampler(deps: CommandDeps, gateway: EquipmentGateway, machines: readonly SampledMachine[], options: { flushMs?: number; samplingMs?: number } = {}): Promise<EquipmentSampler> {
  let buffer: NewEquipmentSample[] = [];
  let writing: Promise<number> = Promise.resolve(0);
  const subscriptions: EquipmentSubscription[] = [];
  const samplingMs = options.samplingMs ?? 100;

  const listen = (machine: SampledMachine) => {
    const counters: { processed: number | null; defective: number | null } = { processed: null, defective: null };
    return (notification: EquipmentNotification) => {
      if (notification.kind !== 'dataChange' || !notification.good) return;
      // node-opcua's dates may come from another realm (jest): a plain Date of this one is stored.
      const sourceTimestamp = new Date((notification.sourceTimestamp ?? notification.receivedAt).getTime());
      if (notification.nodeId === machine.stateNodeId) {
        buffer.push({ kind: 'state', equipmentId: machine.equipmentId, state: String(notification.value), sourceTimestamp, statusCode: notification.statusCode, source: 'opcua' });
        return;
      }
      if (notification.nodeId === machine.processedNodeId) counters.processed = Number(notification.value);
      else if (notification.nodeId === machine.defectiveNodeId) counters.defective = Number(notification.value);
      else return;
      if (counters.processed === null || counters.defective === null) return;
      buffer.push({ kind: 'counter', equipmentId: machine.equipmentId, processedCount: counters.processed, defectiveCount: counters.defective, sourceTimestamp, statusCode: notification.statusCode, source: 'opcua' });
    };
  };

  const flush = (): Promise<number> => {
    // One write at a time, in arrival order.
    writing = writing.then(async () => {
      const batch = buffer;
      buffer = [];
      if (batch.length === 0) return 0;
      return runCommand(deps, systemActor('equipment-sampler'), {}, (ctx) => recordEquipmentSamples(ctx, batch));
    });
    return writing;
  };

  try {
    for (const machine of machines) {
      const items = [machine.stateNodeId, machine.processedNodeId, machine.defectiveNodeId].map((nodeId) => ({ nodeId, samplingMs, queueSize: 100 }));
      subscriptions.push(await gateway.subscribe(machine.endpoint, items, listen(machine)));
    }
  } catch (error) {
    await Promise.all(subscriptions.map((s) => s.close()));
    throw error;
  }
  const timer = setInterval(() => {
    flush().catch((err: unknown) => deps.logger.error({ err }, 'equipment samples not stored'));
  }, options.flushMs ?? 5_000);
  timer.unref();

  return {
    flush,
    async stop() {
      clearInterval(timer);
      await Promise.all(subscriptions.map((s) => s.close()));
      await flush();
    },
  };
}
