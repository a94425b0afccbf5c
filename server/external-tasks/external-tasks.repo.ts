import type { Knex } from 'knex';

// External tasks are rows of `jobs` with kind 'external' (created by the runtime for a service
// task whose camunda:topic names no connector Gemba can call). A lock is the job's lease: status
// 'running', lease_owner = the worker id, lease_expires_at = the lock's end; the principal that
// holds it is kept in the payload (`lockedBy`), so that two systems using the same worker id never
// complete each other's tasks.

/** An external task with what a worker is told about its process instance. */
export type ExternalTask = {
  id: string;
  instanceId: string;
  executionId: string;
  activityId: string;
  status: 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
  topic: string;
  workerId: string | null;
  lockedBy: string | null;
  lockExpiresAt: Date | null;
  dueAt: Date;
  retries: number | null;
  errorMessage: string | null;
  errorDetails: string | null;
  priority: number;
  input: Record<string, unknown>;
  createdAt: Date;
  key: string;
  businessKey: string | null;
  versionId: string;
  instanceStatus: string;
  variables: Record<string, unknown>;
};

/** What one topic of a fetch-and-lock asks for, already resolved to Gemba's terms. */
export type ClaimFilter = {
  topic: string;
  workerId: string;
  /** The principal (service principal or user id) that takes the lock. */
  lockedBy: string;
  now: Date;
  lockMs: number;
  limit: number;
  /** Process keys the caller may work; null = every key. */
  keys: string[] | null;
  businessKey?: string;
  /** Only these process keys (processDefinitionKey/-KeyIn). */
  definitionKeys?: string[];
  /** Only these versions (processDefinitionId/-IdIn). */
  versionIds?: string[];
  /** Only instances whose variables contain these values. */
  processVariables?: Record<string, unknown>;
  usePriority: boolean;
  newestFirst: boolean;
};

const COLUMNS = `j.id, j.instance_id, j.execution_id, j.activity_id, j.status, j.due_at, j.payload, j.lease_owner,
  j.lease_expires_at, j.last_error, j.created_at, i.key, i.business_key, i.version_id, i.status AS instance_status, i.variables`;

/**
 * Locks up to `limit` fetchable tasks of one topic for a worker, in one statement with
 * `FOR UPDATE SKIP LOCKED`: pending ones that are due, and locked ones whose lock expired. Returns
 * them with their instance's key, business key, version and variables.
 */
export async function claimExternalTasks(trx: Knex.Transaction, filter: ClaimFilter): Promise<ExternalTask[]> {
  const where: string[] = [
    `j.kind = 'external'`,
    `((j.status = 'pending' AND j.due_at <= ?) OR (j.status = 'running' AND j.lease_expires_at <= ?))`,
    `j.payload->>'topic' = ?`,
    `i.status IN ('running', 'incident')`,
  ];
  const bindings: Knex.RawBinding[] = [filter.now, filter.now, filter.topic];
  if (filter.keys) {
    where.push('i.key = ANY(?::text[])');
    bindings.push(filter.keys);
  }
  if (filter.definitionKeys) {
    where.push('i.key = ANY(?::text[])');
    bindings.push(filter.definitionKeys);
  }
  if (filter.versionIds) {
    where.push('i.version_id = ANY(?::uuid[])');
    bindings.push(filter.versionIds);
  }
  if (filter.businessKey !== undefined) {
    where.push('i.business_key = ?');
    bindings.push(filter.businessKey);
  }
  if (filter.processVariables && Object.keys(filter.processVariables).length) {
    where.push('i.variables @> ?::jsonb');
    bindings.push(JSON.stringify(filter.processVariables));
  }
  const order = [
    ...(filter.usePriority ? [`COALESCE((j.payload->>'priority')::bigint, 0) DESC`] : []),
    filter.newestFirst ? 'j.created_at DESC' : 'j.created_at',
    'j.id',
  ].join(', ');
  const lockUntil = new Date(filter.now.getTime() + filter.lockMs);
  const result = await trx.raw(
    `WITH picked AS (
       SELECT j.id FROM jobs j JOIN process_instances i ON i.id = j.instance_id
        WHERE ${where.join(' AND ')}
        ORDER BY ${order}
        LIMIT ?
        FOR UPDATE OF j SKIP LOCKED)
     UPDATE jobs j SET status = 'running', lease_owner = ?, lease_expires_at = ?, attempts = j.attempts + 1, updated_at = ?,
            payload = j.payload || jsonb_build_object('workerId', ?::text, 'lockedBy', ?::text)
       FROM picked, process_instances i
      WHERE j.id = picked.id AND i.id = j.instance_id
     RETURNING ${COLUMNS}`,
    [...bindings, filter.limit, filter.workerId, lockUntil, filter.now, filter.workerId, filter.lockedBy],
  );
  const rows = (result.rows as Row[]).map(fromRow);
  // RETURNING gives no order: sort again as the query chose.
  const direction = filter.newestFirst ? -1 : 1;
  return rows.sort(
    (a, b) => (filter.usePriority ? b.priority - a.priority : 0) || direction * (a.createdAt.getTime() - b.createdAt.getTime()) || a.id.localeCompare(b.id),
  );
}

/** One external task with its instance, or undefined (no such job, or not an external task). */
export async function findExternalTask(db: Knex | Knex.Transaction, id: string, options: { forUpdate?: boolean } = {}): Promise<ExternalTask | undefined> {
  const result = await db.raw(
    `SELECT ${COLUMNS} FROM jobs j JOIN process_instances i ON i.id = j.instance_id WHERE j.id = ? AND j.kind = 'external'${options.forUpdate ? ' FOR UPDATE OF j' : ''}`,
    [id],
  );
  const row = (result.rows as Row[])[0];
  return row ? fromRow(row) : undefined;
}

/** What changes when a lock is taken, extended, released or a failure is recorded. */
export type ExternalTaskPatch = {
  status?: 'pending' | 'running' | 'done' | 'failed';
  dueAt?: Date;
  lock?: { workerId: string; lockedBy: string; until: Date } | null;
  retries?: number | null;
  errorMessage?: string | null;
  errorDetails?: string | null;
  finishedAt?: Date;
};

/** Applies a patch to an external task's job row (the caller holds the row lock). */
export async function updateExternalTask(trx: Knex.Transaction, id: string, patch: ExternalTaskPatch, now: Date): Promise<void> {
  const columns: Record<string, unknown> = { updated_at: now };
  const payload: Record<string, unknown> = {};
  if (patch.status) columns.status = patch.status;
  if (patch.dueAt) columns.due_at = patch.dueAt;
  if (patch.finishedAt) columns.finished_at = patch.finishedAt;
  if (patch.lock !== undefined) {
    columns.lease_owner = patch.lock?.workerId ?? null;
    columns.lease_expires_at = patch.lock?.until ?? null;
    payload.workerId = patch.lock?.workerId ?? null;
    payload.lockedBy = patch.lock?.lockedBy ?? null;
  }
  if (patch.errorMessage !== undefined) columns.last_error = patch.errorMessage;
  if (patch.retries !== undefined) payload.retries = patch.retries;
  if (patch.errorDetails !== undefined) payload.errorDetails = patch.errorDetails;
  if (Object.keys(payload).length) columns.payload = trx.raw('payload || ?::jsonb', [JSON.stringify(payload)]);
  await trx('jobs').where({ id }).update(columns);
}

type Row = {
  id: string;
  instance_id: string;
  execution_id: string;
  activity_id: string;
  status: ExternalTask['status'];
  due_at: Date;
  payload: Record<string, unknown> | null;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  last_error: string | null;
  created_at: Date;
  key: string;
  business_key: string | null;
  version_id: string;
  instance_status: string;
  variables: Record<string, unknown> | null;
};

function fromRow(row: Row): ExternalTask {
  const payload = row.payload ?? {};
  const priority = Number(payload.priority ?? 0);
  return {
    id: row.id,
    instanceId: row.instance_id,
    executionId: row.execution_id,
    activityId: row.activity_id,
    status: row.status,
    topic: String(payload.topic ?? ''),
    workerId: row.status === 'running' ? row.lease_owner : null,
    lockedBy: row.status === 'running' ? ((payload.lockedBy as string | undefined) ?? null) : null,
    lockExpiresAt: row.status === 'running' ? toDate(row.lease_expires_at) : null,
    dueAt: toDate(row.due_at)!,
    retries: typeof payload.retries === 'number' ? payload.retries : null,
    errorMessage: row.last_error,
    errorDetails: typeof payload.errorDetails === 'string' ? payload.errorDetails : null,
    priority: Number.isFinite(priority) ? priority : 0,
    input: (payload.input as Record<string, unknown> | undefined) ?? {},
    createdAt: toDate(row.created_at)!,
    key: row.key,
    businessKey: row.business_key,
    versionId: row.version_id,
    instanceStatus: row.instance_status,
    variables: row.variables ?? {},
  };
}

// Raw queries on PGlite return timestamps as Date; keep strings working too.
function toDate(value: Date | string | null): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(value);
}
