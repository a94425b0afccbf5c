import type { Knex } from 'knex';
import type { OpcuaConnectorConfig } from '../adapters/http/connector-config';
import { NotFoundError } from '../errors/app-error';
import { findConnectorByName, listConnectors, type Connector } from '../repos/connectors.repo';
import { findMonitoring, findState, listMonitoring, listStates, recentGaps, type EquipmentState, type Gap, type Monitoring, type Reading } from './equipment.repo';

// What GET /equipment shows: each registered opcua connector as a piece of equipment, with its
// latest observed state (as recorded by the nodes' monitors, so every node answers the same).

const reading = (r: Reading | undefined) => (r ? { value: r.value, statusCode: r.statusCode, sourceTimestamp: r.sourceTimestamp } : null);

function present(connector: Connector, monitoring: Monitoring | undefined, state: EquipmentState | undefined) {
  const config = connector.config as OpcuaConnectorConfig;
  const readings = state?.readings ?? {};
  const processed = readings.processed;
  const defective = readings.defective;
  return {
    id: connector.name,
    description: connector.description,
    connectorStatus: connector.status,
    endpointUrl: config.endpointUrl,
    securityMode: config.securityMode,
    monitored: Boolean(monitoring) && connector.status === 'active',
    connection: {
      status: state?.connection ?? 'unknown',
      changedAt: state?.connectionChangedAt?.toISOString() ?? null,
      observedBy: state?.connectionObservedBy ?? null,
    },
    state: reading(readings.state),
    counters:
      processed || defective
        ? {
            processed: processed ? Number(processed.value) : null,
            defective: defective ? Number(defective.value) : null,
            sourceTimestamp: [processed?.sourceTimestamp, defective?.sourceTimestamp].filter((t): t is string => Boolean(t)).sort().at(-1) ?? null,
          }
        : null,
    temperature: reading(readings.temperature),
    setpoint: reading(readings.setpoint),
    alarm: state?.alarm ?? null,
    lastSampleAt: state?.lastSampleAt?.toISOString() ?? null,
  };
}

export type EquipmentSummary = ReturnType<typeof present>;

export async function listEquipment(db: Knex): Promise<EquipmentSummary[]> {
  const [connectors, monitorings, states] = await Promise.all([listConnectors(db), listMonitoring(db), listStates(db)]);
  return connectors
    .filter((c) => c.kind === 'opcua')
    .map((c) => present(c, monitorings.find((m) => m.equipmentId === c.name), states.find((s) => s.equipmentId === c.name)));
}

/** @throws NotFoundError when no opcua connector has this name */
export async function readEquipment(db: Knex, id: string): Promise<EquipmentSummary & { monitoring: Monitoring['config'] | null; recentGaps: Array<Omit<Gap, 'recordedAt'> & { recordedAt: string }> }> {
  const connector = await findConnectorByName(db, id);
  if (!connector || connector.kind !== 'opcua') throw new NotFoundError(`No equipment "${id}"`);
  const [monitoring, state, gaps] = await Promise.all([findMonitoring(db, id), findState(db, id), recentGaps(db, id, 20)]);
  return {
    ...present(connector, monitoring, state),
    monitoring: monitoring?.config ?? null,
    recentGaps: gaps.map((g) => ({ ...g, recordedAt: g.recordedAt.toISOString() })),
  };
}
