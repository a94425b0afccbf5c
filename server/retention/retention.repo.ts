import type { Knex } from 'knex';

// The SQL of history retention. Only finished instances (completed or cancelled, nothing live)
// are touched; audit_events never is. The instance row stays as the instance's identity.

/** One arbitrary constant: the advisory lock that lets one node at a time purge a batch. */
const RETENTION_LOCK = 4_711_000_009;

/** Whether this transaction may purge now (no other node is purging a batch at this moment). */
export async function tryRetentionLock(trx: Knex.Transaction): Promise<boolean> {
  const result = await trx.raw('SELECT pg_try_advisory_xact_lock(?) AS locked', [RETENTION_LOCK]);
  return Boolean(result.rows[0]?.locked);
}

/**
 * Locks up to `limit` finished instances that ended before `cutoff` and still hold runtime state,
 * oldest first, skipping rows another transaction holds. Instances with a live job or an open
 * incident are left alone: something may still act on them.
 */
export async function lockPurgeableInstances(trx: Knex.Transaction, cutoff: Date, limit: number): Promise<string[]> {
  const result = await trx.raw(
    `SELECT pi.id FROM process_instances pi
      WHERE pi.ended_at IS NOT NULL AND pi.ended_at < ? AND pi.runtime_purged_at IS NULL
        AND pi.status IN ('completed', 'cancelled')
        AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.instance_id = pi.id AND j.status IN ('pending', 'running'))
        AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.instance_id = pi.id AND i.status = 'open')
      ORDER BY pi.ended_at
      LIMIT ?
      FOR UPDATE OF pi SKIP LOCKED`,
    [cutoff, limit],
  );
  return (result.rows as Array<{ id: string }>).map((row) => row.id);
}

/** What an archive document holds for one instance: its row (without engine state) and its history rows. */
export type InstanceHistory = {
  instance: Record<string, unknown>;
  userTasks: Record<string, unknown>[];
  activities: Record<string, unknown>[];
  incidents: Record<string, unknown>[];
  jobs: Record<string, unknown>[];
  subscriptions: Record<string, unknown>[];
};

/** Reads the history of the given instances, grouped by instance id. */
export async function readInstanceHistories(trx: Knex.Transaction, ids: string[]): Promise<Map<string, InstanceHistory>> {
  // One after another: a transaction is one connection (and PGlite has only one).
  const instances = await trx('process_instances').whereIn('id', ids).select(
    'id', 'version_id', 'key', 'business_key', 'status', 'variables', 'parent_instance_id', 'parent_execution_id',
    'started_by', 'started_by_name', 'started_at', 'ended_at', 'end_reason',
  );
  const userTasks = await trx('user_tasks').whereIn('instance_id', ids).orderBy('created_at');
  const activities = await trx('activity_history').whereIn('instance_id', ids).orderBy('id');
  const incidents = await trx('incidents').whereIn('instance_id', ids).orderBy('created_at');
  const jobs = await trx('jobs')
    .whereIn('instance_id', ids)
    .orderBy('created_at')
    .select('id', 'instance_id', 'kind', 'activity_id', 'status', 'due_at', 'attempts', 'last_error', 'created_at', 'finished_at');
  const subscriptions = await trx('subscriptions').whereIn('instance_id', ids);
  const histories = new Map<string, InstanceHistory>();
  for (const instance of instances as Array<Record<string, unknown>>) {
    histories.set(instance.id as string, { instance, userTasks: [], activities: [], incidents: [], jobs: [], subscriptions: [] });
  }
  const add = (rows: Array<Record<string, unknown>>, field: Exclude<keyof InstanceHistory, 'instance'>) => {
    for (const row of rows) histories.get(row.instance_id as string)?.[field].push(row);
  };
  add(userTasks, 'userTasks');
  add(activities, 'activities');
  add(incidents, 'incidents');
  add(jobs, 'jobs');
  add(subscriptions, 'subscriptions');
  return histories;
}

/** Stores archive documents (one per instance). */
export async function insertArchives(trx: Knex.Transaction, histories: InstanceHistory[], now: Date): Promise<void> {
  if (histories.length === 0) return;
  await trx('archived_instances').insert(
    histories.map((history) => ({
      instance_id: history.instance.id as string,
      policy: 'archive',
      archived_at: now,
      // knex would send arrays as PostgreSQL arrays; jsonb wants JSON text.
      document: JSON.stringify(history),
    })),
  );
}

/** Row counts removed by one purge, per table. */
export type PurgedRows = { jobs: number; subscriptions: number; userTasks: number; activities: number; incidents: number };

/**
 * Removes the runtime state of the given instances: engine state, jobs and subscriptions; with
 * `history: 'remove'` (the archive policy, after the documents are stored) also their user tasks,
 * activity history, incidents and variables. Marks the instances purged.
 */
export async function purgeInstances(trx: Knex.Transaction, ids: string[], history: 'keep' | 'remove', now: Date): Promise<PurgedRows> {
  const removed: PurgedRows = { jobs: 0, subscriptions: 0, userTasks: 0, activities: 0, incidents: 0 };
  if (ids.length === 0) return removed;
  if (history === 'remove') {
    removed.incidents = await trx('incidents').whereIn('instance_id', ids).delete();
    removed.userTasks = await trx('user_tasks').whereIn('instance_id', ids).delete();
    removed.activities = await trx('activity_history').whereIn('instance_id', ids).delete();
  }
  removed.subscriptions = await trx('subscriptions').whereIn('instance_id', ids).delete();
  // An incident that is kept names its job: that job row stays with it.
  removed.jobs = await trx('jobs')
    .whereIn('instance_id', ids)
    .whereNotExists(trx('incidents').whereRaw('incidents.job_id = jobs.id').select(trx.raw('1')))
    .delete();
  await trx('process_instances')
    .whereIn('id', ids)
    .update({
      engine_state: null,
      state_bytes: 0,
      runtime_purged_at: now,
      ...(history === 'remove' ? { variables: '{}' } : {}),
    } as never);
  return removed;
}
