import type { Knex } from 'knex';
import type { InstanceStatus, ProcessInstanceRow } from '../db/tables';

export type { InstanceStatus };

export type ProcessInstance = {
  id: string;
  versionId: string;
  key: string;
  businessKey: string | null;
  status: InstanceStatus;
  variables: Record<string, unknown>;
  stateBytes: number;
  lockVersion: number;
  parentInstanceId: string | null;
  parentExecutionId: string | null;
  startedBy: string;
  startedByName: string | null;
  startedAt: Date;
  endedAt: Date | null;
  endReason: string | null;
  updatedAt: Date;
};

/** An instance with its stored engine state, as an event handler needs it (the row is locked). */
export type LockedInstance = ProcessInstance & { engineState: unknown };

/** The columns of an instance without its engine state. */
export const INSTANCE_SUMMARY_COLUMNS = [
  'id', 'version_id', 'key', 'business_key', 'status', 'variables', 'state_bytes', 'lock_version', 'parent_instance_id',
  'parent_execution_id', 'started_by', 'started_by_name', 'started_at', 'ended_at', 'end_reason', 'updated_at',
];

export type NewInstance = {
  versionId: string;
  key: string;
  businessKey: string | null;
  variables: Record<string, unknown>;
  startedBy: string;
  startedByName: string | null;
  parentInstanceId?: string | null;
  parentExecutionId?: string | null;
  now: Date;
  /** What its first run made of it (default: running, no state yet). */
  status?: InstanceStatus;
  engineState?: unknown;
  endedAt?: Date | null;
  endReason?: string | null;
};

export async function insertInstance(trx: Knex.Transaction, instance: NewInstance): Promise<LockedInstance> {
  const state = instance.engineState === undefined || instance.engineState === null ? null : JSON.stringify(instance.engineState);
  const [row] = await trx('process_instances')
    .insert({
      version_id: instance.versionId,
      key: instance.key,
      business_key: instance.businessKey,
      status: instance.status ?? 'running',
      variables: JSON.stringify(instance.variables) as never,
      engine_state: state as never,
      state_bytes: state === null ? 0 : Buffer.byteLength(state),
      ended_at: instance.endedAt ?? null,
      end_reason: instance.endReason ?? null,
      parent_instance_id: instance.parentInstanceId ?? null,
      parent_execution_id: instance.parentExecutionId ?? null,
      started_by: instance.startedBy,
      started_by_name: instance.startedByName,
      started_at: instance.now,
      updated_at: instance.now,
    })
    .returning(INSTANCE_SUMMARY_COLUMNS);
  // The state is not read back: the caller holds it, and parsing it again costs more than the insert.
  return { ...instanceFromRow(row as ProcessInstanceRow), engineState: instance.engineState ?? undefined };
}

/** Locks an instance row for the rest of the transaction: events of one instance run one at a time. */
export async function lockInstance(trx: Knex.Transaction, id: string): Promise<LockedInstance | undefined> {
  const row = await trx('process_instances').where({ id }).forUpdate().first();
  return row ? locked(row) : undefined;
}

/** Locks the instance a task belongs to (see lockInstance), found through the task in the same statement. */
export async function lockInstanceOfTask(trx: Knex.Transaction, taskId: string): Promise<LockedInstance | undefined> {
  const row = await trx('process_instances')
    .where('id', trx('user_tasks').select('instance_id').where({ id: taskId }))
    .forUpdate()
    .first();
  return row ? locked(row) : undefined;
}

export async function findInstance(db: Knex | Knex.Transaction, id: string): Promise<ProcessInstance | undefined> {
  const row = await db('process_instances').select(INSTANCE_SUMMARY_COLUMNS).where({ id }).first();
  return row ? instanceFromRow(row as unknown as ProcessInstanceRow) : undefined;
}

export type InstancePatch = {
  status?: InstanceStatus;
  variables?: Record<string, unknown>;
  engineState?: unknown;
  endedAt?: Date | null;
  endReason?: string | null;
};

/** Writes an instance's new state; bumps its lock version (every event is one version). */
export async function updateInstance(trx: Knex.Transaction, id: string, patch: InstancePatch, now: Date): Promise<void> {
  const columns: Record<string, unknown> = { updated_at: now, lock_version: trx.raw('lock_version + 1') };
  if (patch.status) columns.status = patch.status;
  if (patch.variables) columns.variables = JSON.stringify(patch.variables);
  if (patch.engineState !== undefined) {
    const text = patch.engineState === null ? null : JSON.stringify(patch.engineState);
    columns.engine_state = text;
    columns.state_bytes = text === null ? 0 : Buffer.byteLength(text);
  }
  if (patch.endedAt !== undefined) columns.ended_at = patch.endedAt;
  if (patch.endReason !== undefined) columns.end_reason = patch.endReason;
  await trx('process_instances').where({ id }).update(columns);
}

export type InstanceFilter = {
  key?: string;
  status?: InstanceStatus;
  businessKey?: string;
  versionId?: string;
  startedFrom?: Date;
  startedTo?: Date;
  limit: number;
  offset: number;
};

export async function listInstances(db: Knex | Knex.Transaction, filter: InstanceFilter): Promise<{ items: ProcessInstance[]; total: number }> {
  const where = (query: Knex.QueryBuilder) => {
    if (filter.key) query.where('key', filter.key);
    if (filter.status) query.where('status', filter.status);
    if (filter.businessKey) query.where('business_key', filter.businessKey);
    if (filter.versionId) query.where('version_id', filter.versionId);
    if (filter.startedFrom) query.where('started_at', '>=', filter.startedFrom);
    if (filter.startedTo) query.where('started_at', '<', filter.startedTo);
    return query;
  };
  const rows = await where(db('process_instances').select(INSTANCE_SUMMARY_COLUMNS)).orderBy('started_at', 'desc').orderBy('id').limit(filter.limit).offset(filter.offset);
  const [{ count }] = await where(db('process_instances').count({ count: '*' }));
  return { items: (rows as unknown as ProcessInstanceRow[]).map(instanceFromRow), total: Number(count) };
}

/** Running children of an instance (call activities). */
export async function findChildInstances(db: Knex | Knex.Transaction, parentId: string): Promise<ProcessInstance[]> {
  const rows = await db('process_instances').select(INSTANCE_SUMMARY_COLUMNS).where({ parent_instance_id: parentId });
  return (rows as unknown as ProcessInstanceRow[]).map(instanceFromRow);
}

/** Maps a row to the domain type. */
export function instanceFromRow(row: ProcessInstanceRow): ProcessInstance {
  return {
    id: row.id,
    versionId: row.version_id,
    key: row.key,
    businessKey: row.business_key,
    status: row.status,
    variables: row.variables ?? {},
    stateBytes: row.state_bytes,
    lockVersion: row.lock_version,
    parentInstanceId: row.parent_instance_id,
    parentExecutionId: row.parent_execution_id,
    startedBy: row.started_by,
    startedByName: row.started_by_name,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    endReason: row.end_reason,
    updatedAt: row.updated_at,
  };
}

function locked(row: ProcessInstanceRow): LockedInstance {
  return { ...instanceFromRow(row), engineState: row.engine_state ?? undefined };
}
