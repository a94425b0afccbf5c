import type { Knex } from 'knex';
import type { MonitoringConfig, ReadingRole } from './monitoring-config';

// SQL of the equipment tables (migrations/20261122080000_equipment.ts).

type Db = Knex | Knex.Transaction;

export type Monitoring = { equipmentId: string; config: MonitoringConfig; updatedBy: string; updatedAt: Date; rowVersion: number };

/** One reading as the equipment reported it. */
export type Reading = { value: unknown; statusCode: string; sourceTimestamp: string | null };

export type AlarmReading = {
  conditionId: string | null;
  conditionName: string | null;
  active: boolean | null;
  acked: boolean | null;
  severity: number | null;
  message: string | null;
  time: string | null;
};

export type ConnectionStatus = 'unknown' | 'connected' | 'disconnected' | 'unreachable';

export type EquipmentState = {
  equipmentId: string;
  readings: Partial<Record<ReadingRole, Reading>>;
  alarm: AlarmReading | null;
  connection: ConnectionStatus;
  connectionChangedAt: Date | null;
  connectionObservedBy: string | null;
  lastSampleAt: Date | null;
  updatedAt: Date;
};

export type Gap = { from: string; to: string; nodeId: string; recordedAt: Date };

const toMonitoring = (row: Record<string, unknown>): Monitoring => ({
  equipmentId: row.equipment_id as string,
  config: row.config as MonitoringConfig,
  updatedBy: row.updated_by as string,
  updatedAt: row.updated_at as Date,
  rowVersion: Number(row.row_version),
});

const toState = (row: Record<string, unknown>): EquipmentState => ({
  equipmentId: row.equipment_id as string,
  readings: (row.readings as EquipmentState['readings']) ?? {},
  alarm: (row.alarm as AlarmReading | null) ?? null,
  connection: row.connection as ConnectionStatus,
  connectionChangedAt: (row.connection_changed_at as Date | null) ?? null,
  connectionObservedBy: (row.connection_observed_by as string | null) ?? null,
  lastSampleAt: (row.last_sample_at as Date | null) ?? null,
  updatedAt: row.updated_at as Date,
});

export async function findMonitoring(db: Db, equipmentId: string): Promise<Monitoring | undefined> {
  const row = await db('equipment_monitoring').where({ equipment_id: equipmentId }).first();
  return row ? toMonitoring(row) : undefined;
}

export async function listMonitoring(db: Db): Promise<Monitoring[]> {
  return (await db('equipment_monitoring').orderBy('equipment_id')).map(toMonitoring);
}

export async function upsertMonitoring(trx: Knex.Transaction, equipmentId: string, config: MonitoringConfig, actor: string, now: Date): Promise<{ before?: Monitoring; after: Monitoring }> {
  const before = await trx('equipment_monitoring').where({ equipment_id: equipmentId }).forUpdate().first();
  if (before) {
    await trx('equipment_monitoring')
      .where({ equipment_id: equipmentId })
      .update({ config: JSON.stringify(config), updated_by: actor, updated_at: now, row_version: Number(before.row_version) + 1 });
  } else {
    await trx('equipment_monitoring').insert({ equipment_id: equipmentId, config: JSON.stringify(config), updated_by: actor, updated_at: now });
  }
  return { before: before ? toMonitoring(before) : undefined, after: (await findMonitoring(trx, equipmentId))! };
}

/**
 * Records an observation under its dedupe key. True when this call inserted it: the caller is the
 * one node that acts on it. False when any node (this one included, after a replay) already did.
 */
export async function claimObservation(
  trx: Knex.Transaction,
  observation: { equipmentId: string; dedupeKey: string; kind: 'data' | 'alarm' | 'gap'; sourceTimestamp: Date | null; payload: Record<string, unknown>; nodeId: string; now: Date },
): Promise<boolean> {
  const rows = await trx('equipment_observations')
    .insert({
      equipment_id: observation.equipmentId,
      dedupe_key: observation.dedupeKey,
      kind: observation.kind,
      source_timestamp: observation.sourceTimestamp,
      payload: JSON.stringify(observation.payload),
      node_id: observation.nodeId,
      recorded_at: observation.now,
    })
    .onConflict(['equipment_id', 'dedupe_key'])
    .ignore()
    .returning('dedupe_key');
  return rows.length === 1;
}

export async function setObservationMessage(trx: Knex.Transaction, equipmentId: string, dedupeKey: string, message: Record<string, unknown>): Promise<void> {
  await trx('equipment_observations').where({ equipment_id: equipmentId, dedupe_key: dedupeKey }).update({ message: JSON.stringify(message) });
}

/** The state row, created when missing, locked for the rest of the transaction. */
export async function lockState(trx: Knex.Transaction, equipmentId: string, now: Date): Promise<EquipmentState> {
  await trx('equipment_state').insert({ equipment_id: equipmentId, updated_at: now }).onConflict('equipment_id').ignore();
  return toState(await trx('equipment_state').where({ equipment_id: equipmentId }).forUpdate().first());
}

export async function updateState(trx: Knex.Transaction, state: EquipmentState, now: Date): Promise<void> {
  await trx('equipment_state')
    .where({ equipment_id: state.equipmentId })
    .update({
      readings: JSON.stringify(state.readings),
      alarm: state.alarm ? JSON.stringify(state.alarm) : null,
      connection: state.connection,
      connection_changed_at: state.connectionChangedAt,
      connection_observed_by: state.connectionObservedBy,
      last_sample_at: state.lastSampleAt,
      updated_at: now,
    });
}

export async function findState(db: Db, equipmentId: string): Promise<EquipmentState | undefined> {
  const row = await db('equipment_state').where({ equipment_id: equipmentId }).first();
  return row ? toState(row) : undefined;
}

export async function listStates(db: Db): Promise<EquipmentState[]> {
  return (await db('equipment_state').orderBy('equipment_id')).map(toState);
}

/** The latest recorded gaps, newest first. */
export async function recentGaps(db: Db, equipmentId: string, limit: number): Promise<Gap[]> {
  const rows = await db('equipment_observations').where({ equipment_id: equipmentId, kind: 'gap' }).orderBy('recorded_at', 'desc').limit(limit);
  return rows.map((row) => {
    const payload = row.payload as { from: string; to: string };
    return { from: payload.from, to: payload.to, nodeId: row.node_id as string, recordedAt: row.recorded_at as Date };
  });
}

/** A condition (alarm) as its latest recorded event describes it. */
export type Condition = AlarmReading & { conditionId: string; eventId: string | null; confirmed: boolean | null; retain: boolean | null; recordedAt: Date };

/**
 * The latest recorded event of each condition of the equipment (E03), or of one condition.
 * Events of a condition are ordered by their own time, then by when a node recorded them.
 */
export async function latestConditions(db: Db, equipmentId: string, conditionId?: string): Promise<Condition[]> {
  const { rows } = (await db.raw(
    `SELECT DISTINCT ON (payload->>'conditionId') payload, recorded_at
       FROM equipment_observations
      WHERE equipment_id = ? AND kind = 'alarm' AND payload->>'conditionId' IS NOT NULL ${conditionId === undefined ? '' : `AND payload->>'conditionId' = ?`}
      ORDER BY payload->>'conditionId', source_timestamp DESC NULLS LAST, recorded_at DESC`,
    conditionId === undefined ? [equipmentId] : [equipmentId, conditionId],
  )) as { rows: Array<{ payload: Record<string, unknown>; recorded_at: Date }> };
  return rows.map(({ payload, recorded_at: recordedAt }) => ({
    conditionId: payload.conditionId as string,
    conditionName: (payload.conditionName as string | null) ?? null,
    eventId: (payload.eventId as string | null) ?? null,
    active: (payload.active as boolean | null) ?? null,
    acked: (payload.acked as boolean | null) ?? null,
    confirmed: (payload.confirmed as boolean | null | undefined) ?? null,
    retain: (payload.retain as boolean | null | undefined) ?? null,
    severity: (payload.severity as number | null) ?? null,
    message: (payload.message as string | null) ?? null,
    time: (payload.time as string | null) ?? null,
    recordedAt,
  }));
}
