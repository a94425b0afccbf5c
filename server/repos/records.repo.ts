import type { Knex } from 'knex';
import type { AuditEventRow } from '../db/tables';
import { findInstance, type ProcessInstance } from './process-instances.repo';

// Reads for the electronic device history / batch record (T04, C15): which instances belong to a
// lot, a work order or a serial, and the audit entries about them.

const INSTANCE_COLUMNS = ['id', 'version_id', 'key', 'business_key', 'status', 'variables', 'started_by', 'started_by_name', 'started_at', 'ended_at', 'end_reason'];

type InstanceRow = {
  id: string;
  version_id: string;
  key: string;
  business_key: string | null;
  status: ProcessInstance['status'];
  variables: Record<string, unknown>;
  started_by: string;
  started_by_name: string | null;
  started_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
};

export type RecordInstance = Pick<ProcessInstance, 'id' | 'versionId' | 'key' | 'businessKey' | 'status' | 'variables' | 'startedBy' | 'startedByName' | 'startedAt' | 'endedAt' | 'endReason'>;

const fromRow = (row: InstanceRow): RecordInstance => ({
  id: row.id,
  versionId: row.version_id,
  key: row.key,
  businessKey: row.business_key,
  status: row.status,
  variables: row.variables ?? {},
  startedBy: row.started_by,
  startedByName: row.started_by_name,
  startedAt: row.started_at,
  endedAt: row.ended_at,
  endReason: row.end_reason,
});

/** Instances about these lots: by business key, or a `lot` / `outputLot` variable. */
export async function findInstancesOfLots(db: Knex | Knex.Transaction, lots: string[]): Promise<RecordInstance[]> {
  if (lots.length === 0) return [];
  const rows = await db('process_instances')
    .select(INSTANCE_COLUMNS)
    .whereIn('business_key', lots)
    .orWhereIn(db.raw(`variables->>'lot'`) as never, lots)
    .orWhereIn(db.raw(`variables->>'outputLot'`) as never, lots)
    .orderBy('started_at');
  return (rows as unknown as InstanceRow[]).map(fromRow);
}

/** Instances about these work orders: by business key or an `orderId` variable. */
export async function findInstancesOfOrders(db: Knex | Knex.Transaction, orderIds: string[]): Promise<RecordInstance[]> {
  if (orderIds.length === 0) return [];
  const rows = await db('process_instances')
    .select(INSTANCE_COLUMNS)
    .whereIn('business_key', orderIds)
    .orWhereIn(db.raw(`variables->>'orderId'`) as never, orderIds)
    .orderBy('started_at');
  return (rows as unknown as InstanceRow[]).map(fromRow);
}

/** Instances about a serial: a `serial` variable or its business key. */
export async function findInstancesOfSerial(db: Knex | Knex.Transaction, serial: string): Promise<RecordInstance[]> {
  const rows = await db('process_instances').select(INSTANCE_COLUMNS).where('business_key', serial).orWhere(db.raw(`variables->>'serial'`) as never, serial).orderBy('started_at');
  return (rows as unknown as InstanceRow[]).map(fromRow);
}

export async function findInstancesByIds(db: Knex | Knex.Transaction, ids: string[]): Promise<RecordInstance[]> {
  if (ids.length === 0) return [];
  const rows = await db('process_instances').select(INSTANCE_COLUMNS).whereIn('id', ids).orderBy('started_at');
  return (rows as unknown as InstanceRow[]).map(fromRow);
}

export { findInstance };

/** Printed names of users by user name (signatures carry their own; this is for performers without one). */
export async function findPrintedNames(db: Knex | Knex.Transaction, usernames: string[]): Promise<Map<string, string>> {
  if (usernames.length === 0) return new Map();
  const rows = await db('users').select('username', 'printed_name').whereIn('username', usernames);
  return new Map(rows.map((r) => [r.username as string, r.printed_name as string]));
}

/** Audit entries about these entities or in the context of these instances, in order. */
export async function findAuditEntriesOf(db: Knex | Knex.Transaction, entityIds: string[], instanceIds: string[], limit = 5000): Promise<AuditEventRow[]> {
  if (entityIds.length === 0 && instanceIds.length === 0) return [];
  const rows = await db('audit_events')
    .where((q) => {
      if (entityIds.length) q.whereIn('entity_id', entityIds);
      if (instanceIds.length) q.orWhereIn(db.raw(`context->>'instanceId'`) as never, instanceIds);
    })
    .orderBy('seq')
    .limit(limit);
  return rows as AuditEventRow[];
}
