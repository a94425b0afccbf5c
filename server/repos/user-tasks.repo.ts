import type { Knex } from 'knex';
import type { TaskStatus, UserTaskRow } from '../db/tables';

export type { TaskStatus };

export type UserTask = {
  id: string;
  instanceId: string;
  executionId: string;
  activityId: string;
  name: string | null;
  candidateGroups: string[];
  candidateUsers: string[];
  assignee: string | null;
  dueAt: Date | null;
  formRef: string | null;
  signatureMeaning: string | null;
  verifierRequired: boolean;
  priority: number;
  status: TaskStatus;
  createdAt: Date;
  claimedAt: Date | null;
  completedBy: string | null;
  completedAt: Date | null;
  verifiedBy: string | null;
  verifiedAt: Date | null;
  submitted: Record<string, unknown> | null;
  signatureId: string | null;
  verificationSignatureId: string | null;
  updatedAt: Date;
};

/** What the runtime decides when it opens a task; the rest is the task's life. */
export type NewUserTask = Pick<
  UserTask,
  'instanceId' | 'executionId' | 'activityId' | 'name' | 'candidateGroups' | 'candidateUsers' | 'assignee' | 'dueAt' | 'formRef' | 'signatureMeaning' | 'verifierRequired' | 'priority'
> & { now: Date };

/**
 * Opens a task for a waiting activity execution. A task that already exists for the execution
 * (an engine that re-emits the wait) is left as it is; returns undefined then.
 */
export async function insertUserTask(trx: Knex.Transaction, task: NewUserTask): Promise<UserTask | undefined> {
  const rows = await trx('user_tasks')
    .insert({
      instance_id: task.instanceId,
      execution_id: task.executionId,
      activity_id: task.activityId,
      name: task.name,
      candidate_groups: task.candidateGroups,
      candidate_users: task.candidateUsers,
      assignee: task.assignee,
      due_at: task.dueAt,
      form_ref: task.formRef,
      signature_meaning: task.signatureMeaning,
      verifier_required: task.verifierRequired,
      priority: task.priority,
      status: 'open',
      created_at: task.now,
      updated_at: task.now,
    })
    .onConflict(['instance_id', 'execution_id'])
    .ignore()
    .returning('*');
  return rows[0] ? userTaskFromRow(rows[0] as UserTaskRow) : undefined;
}

export async function findTasksOfInstance(db: Knex | Knex.Transaction, instanceId: string): Promise<UserTask[]> {
  const rows = await db('user_tasks').where({ instance_id: instanceId }).orderBy('created_at').orderBy('id');
  return (rows as UserTaskRow[]).map(userTaskFromRow);
}

export async function findTask(db: Knex | Knex.Transaction, id: string): Promise<UserTask | undefined> {
  const row = await db('user_tasks').where({ id }).first();
  return row ? userTaskFromRow(row) : undefined;
}

/** A task with the key, business key and version of its instance, in one round trip. */
export async function findTaskWithInstance(
  db: Knex | Knex.Transaction,
  id: string,
): Promise<{ task: UserTask; instance: { key: string; businessKey: string | null; versionId: string } } | undefined> {
  const row = await db('user_tasks')
    .join('process_instances as i', 'i.id', 'user_tasks.instance_id')
    .select('user_tasks.*', 'i.key as instance_key', 'i.business_key as instance_business_key', 'i.version_id as instance_version_id')
    .where('user_tasks.id', id)
    .first();
  if (!row) return undefined;
  return { task: userTaskFromRow(row as UserTaskRow), instance: { key: row.instance_key, businessKey: row.instance_business_key, versionId: row.instance_version_id } };
}

export async function findTaskForUpdate(trx: Knex.Transaction, id: string): Promise<UserTask | undefined> {
  const row = await trx('user_tasks').where({ id }).forUpdate().first();
  return row ? userTaskFromRow(row) : undefined;
}

export type TaskPatch = Partial<{
  assignee: string | null;
  claimedAt: Date | null;
  status: TaskStatus;
  completedBy: string;
  completedAt: Date;
  verifiedBy: string;
  verifiedAt: Date;
  submitted: Record<string, unknown>;
  signatureId: string | null;
  verificationSignatureId: string | null;
}>;

export async function updateTask(trx: Knex.Transaction, id: string, patch: TaskPatch, now: Date): Promise<UserTask> {
  const columns: Record<string, unknown> = { updated_at: now };
  const map: Record<string, string> = {
    assignee: 'assignee', claimedAt: 'claimed_at', status: 'status', completedBy: 'completed_by', completedAt: 'completed_at', verifiedBy: 'verified_by', verifiedAt: 'verified_at',
    signatureId: 'signature_id', verificationSignatureId: 'verification_signature_id',
  };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    columns[key === 'submitted' ? 'submitted' : map[key]] = key === 'submitted' ? JSON.stringify(value) : value;
  }
  const [row] = await trx('user_tasks').where({ id }).update(columns).returning('*');
  return userTaskFromRow(row as UserTaskRow);
}

/** Closes the open tasks of an instance whose executions no longer wait; returns them. */
export async function cancelTasks(trx: Knex.Transaction, ids: string[], now: Date): Promise<UserTask[]> {
  if (ids.length === 0) return [];
  const rows = await trx('user_tasks').whereIn('id', ids).whereIn('status', ['open', 'awaiting_verification']).update({ status: 'cancelled', updated_at: now }).returning('*');
  return (rows as UserTaskRow[]).map(userTaskFromRow);
}

export type TaskFilter = {
  /** Only tasks this user may work: assigned to them, or offered to them or one of their roles. */
  workableBy?: { userId: string; username: string; roles: string[] };
  assignee?: string;
  status?: TaskStatus;
  instanceId?: string;
  key?: string;
  activityId?: string;
  overdueAt?: Date;
  limit: number;
  offset: number;
};

/** A page of tasks, most urgent first (due date, then priority, then age). */
export async function listTasks(db: Knex | Knex.Transaction, filter: TaskFilter): Promise<{ items: Array<UserTask & { key: string; businessKey: string | null }>; total: number }> {
  const where = (query: Knex.QueryBuilder) => {
    query.join('process_instances as i', 'i.id', 'user_tasks.instance_id');
    if (filter.status) query.where('user_tasks.status', filter.status);
    if (filter.instanceId) query.where('user_tasks.instance_id', filter.instanceId);
    if (filter.key) query.where('i.key', filter.key);
    if (filter.activityId) query.where('user_tasks.activity_id', filter.activityId);
    if (filter.assignee) query.where('user_tasks.assignee', filter.assignee);
    if (filter.overdueAt) query.where('user_tasks.due_at', '<', filter.overdueAt);
    const who = filter.workableBy;
    if (who) {
      query.where((q) => {
        q.whereIn('user_tasks.assignee', [who.userId, who.username])
          .orWhere((offered) => {
            offered.whereNull('user_tasks.assignee').andWhere((candidates) => {
              candidates.whereRaw('user_tasks.candidate_users && ?::text[]', [[who.userId, who.username]]);
              if (who.roles.length) candidates.orWhereRaw('user_tasks.candidate_groups && ?::text[]', [who.roles]);
            });
          });
      });
    }
    return query;
  };
  const rows = await where(db('user_tasks').select('user_tasks.*', 'i.key as key', 'i.business_key as business_key'))
    .orderByRaw('user_tasks.due_at ASC NULLS LAST')
    .orderBy('user_tasks.priority', 'desc')
    .orderBy('user_tasks.created_at')
    .limit(filter.limit)
    .offset(filter.offset);
  const [{ count }] = await where(db('user_tasks').count({ count: '*' }));
  return {
    items: rows.map((row: UserTaskRow & { key: string; business_key: string | null }) => ({ ...userTaskFromRow(row), key: row.key, businessKey: row.business_key })),
    total: Number(count),
  };
}

/** Maps a row (also one read back from JSON with its timestamps revived) to the domain type. */
export function userTaskFromRow(row: UserTaskRow): UserTask {
  return {
    id: row.id,
    instanceId: row.instance_id,
    executionId: row.execution_id,
    activityId: row.activity_id,
    name: row.name,
    candidateGroups: row.candidate_groups,
    candidateUsers: row.candidate_users,
    assignee: row.assignee,
    dueAt: row.due_at,
    formRef: row.form_ref,
    signatureMeaning: row.signature_meaning,
    verifierRequired: row.verifier_required,
    priority: row.priority,
    status: row.status,
    createdAt: row.created_at,
    claimedAt: row.claimed_at,
    completedBy: row.completed_by,
    completedAt: row.completed_at,
    verifiedBy: row.verified_by,
    verifiedAt: row.verified_at,
    submitted: row.submitted,
    signatureId: row.signature_id,
    verificationSignatureId: row.verification_signature_id,
    updatedAt: row.updated_at,
  };
}
