import type { Knex } from 'knex';
import type { JobRow } from '../db/tables';

// 'call': a child instance's end reaching its parent; 'timerStart': a released version's timer start event.
export type JobKind = 'timer' | 'service' | 'external' | 'signal' | 'message' | 'call' | 'timerStart';
export type JobStatus = JobRow['status'];

export type Job = {
  id: string;
  kind: JobKind;
  instanceId: string | null;
  executionId: string | null;
  activityId: string | null;
  status: JobStatus;
  dueAt: Date;
  payload: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
};

export type NewJob = {
  kind: JobKind;
  instanceId: string | null;
  executionId: string | null;
  activityId: string | null;
  dueAt: Date;
  payload: Record<string, unknown>;
  maxAttempts?: number;
  now: Date;
};

/**
 * Schedules a job. A live job for the same instance, execution and kind already exists when an
 * engine re-emits a wait: then nothing is inserted and undefined comes back.
 */
export async function insertJob(trx: Knex.Transaction, job: NewJob): Promise<Job | undefined> {
  const rows = await trx('jobs')
    .insert({
      kind: job.kind as JobRow['kind'],
      instance_id: job.instanceId,
      execution_id: job.executionId,
      activity_id: job.activityId,
      status: 'pending',
      due_at: job.dueAt,
      payload: JSON.stringify(job.payload) as never,
      max_attempts: job.maxAttempts ?? 3,
      created_at: job.now,
      updated_at: job.now,
    })
    .onConflict(trx.raw(`(instance_id, execution_id, kind) WHERE status IN ('pending', 'running')`))
    .ignore()
    .returning('*');
  return rows[0] ? jobFromRow(rows[0] as JobRow) : undefined;
}

export async function findJob(db: Knex | Knex.Transaction, id: string): Promise<Job | undefined> {
  const row = await db('jobs').where({ id }).first();
  return row ? jobFromRow(row) : undefined;
}

export async function findJobForUpdate(trx: Knex.Transaction, id: string): Promise<Job | undefined> {
  const row = await trx('jobs').where({ id }).forUpdate().first();
  return row ? jobFromRow(row) : undefined;
}

/**
 * Claims up to `limit` jobs of the given kinds that are due, or whose lease expired (their node
 * died), with `FOR UPDATE SKIP LOCKED` so that concurrent nodes never claim the same job.
 */
export async function claimDueJobs(
  db: Knex,
  options: { kinds: JobKind[]; owner: string; now: Date; leaseMs: number; limit: number },
): Promise<Job[]> {
  const leaseUntil = new Date(options.now.getTime() + options.leaseMs);
  const result = await db.raw(
    `UPDATE jobs SET status = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ?
       WHERE id IN (
         SELECT id FROM jobs
          WHERE kind = ANY(?::text[])
            AND ((status = 'pending' AND due_at <= ?) OR (status = 'running' AND lease_expires_at < ?))
          ORDER BY due_at
          LIMIT ?
          FOR UPDATE SKIP LOCKED)
     RETURNING *`,
    [options.owner, leaseUntil, options.now, options.kinds, options.now, options.now, options.limit],
  );
  return (result.rows as JobRow[]).map(jobFromRow);
}

/** The earliest due time of a pending job of these kinds (the poller sleeps until then). */
export async function nextDueAt(db: Knex, kinds: JobKind[]): Promise<Date | undefined> {
  const row = await db('jobs').whereIn('kind', kinds).where('status', 'pending').min({ due: 'due_at' }).first();
  return row?.due ? new Date(row.due as Date) : undefined;
}

export type JobPatch = Partial<{
  status: JobStatus;
  dueAt: Date;
  lastError: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  payload: Record<string, unknown>;
  attempts: number;
  finishedAt: Date | null;
}>;

export async function updateJob(trx: Knex.Transaction | Knex, id: string, patch: JobPatch, now: Date): Promise<void> {
  const columns: Record<string, unknown> = { updated_at: now };
  const map: Record<string, string> = {
    status: 'status', dueAt: 'due_at', lastError: 'last_error', leaseOwner: 'lease_owner', leaseExpiresAt: 'lease_expires_at',
    attempts: 'attempts', finishedAt: 'finished_at',
  };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    columns[key === 'payload' ? 'payload' : map[key]] = key === 'payload' ? JSON.stringify(value) : value;
  }
  await trx('jobs').where({ id }).update(columns);
}

/** Cancels live jobs by id (their waits are gone); returns those that were live. */
export async function cancelJobs(trx: Knex.Transaction, ids: string[], now: Date): Promise<Job[]> {
  if (ids.length === 0) return [];
  const rows = await trx('jobs')
    .whereIn('id', ids)
    .whereIn('status', ['pending', 'running'])
    .update({ status: 'cancelled', finished_at: now, updated_at: now, lease_owner: null, lease_expires_at: null })
    .returning('*');
  return (rows as JobRow[]).map(jobFromRow);
}

/** Maps a row (also one read back from JSON with its timestamps revived) to the domain type. */
export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind as JobKind,
    instanceId: row.instance_id,
    executionId: row.execution_id,
    activityId: row.activity_id,
    status: row.status,
    dueAt: row.due_at,
    payload: row.payload ?? {},
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}
