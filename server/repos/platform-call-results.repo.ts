import type { Knex } from 'knex';

// What each built-in operation answered, by job id: a repeated call of the same job answers the
// same and writes nothing twice.

export async function findCallResult(db: Knex | Knex.Transaction, jobId: string, operation: string): Promise<Record<string, unknown> | undefined> {
  const row = await db('platform_call_results').where({ job_id: jobId, operation }).first('output');
  return row ? (row.output as Record<string, unknown>) : undefined;
}

export async function insertCallResult(trx: Knex.Transaction, result: { jobId: string; operation: string; instanceId: string | null; output: Record<string, unknown>; now: Date }): Promise<void> {
  await trx('platform_call_results').insert({ job_id: result.jobId, operation: result.operation, instance_id: result.instanceId, output: JSON.stringify(result.output), created_at: result.now });
}

/** Instances started by built-in `startProcess` calls of these instances (the "started from" links). */
export async function findStartedInstances(db: Knex | Knex.Transaction, callerInstanceIds: string[]): Promise<Array<{ callerInstanceId: string; startedInstanceId: string }>> {
  if (callerInstanceIds.length === 0) return [];
  const rows = await db('platform_call_results').where({ operation: 'startProcess' }).whereIn('instance_id', callerInstanceIds);
  return rows
    .map((row) => ({ callerInstanceId: row.instance_id as string, startedInstanceId: (row.output as { instanceId?: string }).instanceId as string }))
    .filter((link) => typeof link.startedInstanceId === 'string');
}

/**
 * The facts a built-in call's origin is made of: the instance (with its version's hash), the job's
 * activity, and the instance's latest completed user task with its performer's printed name.
 */
export async function findCallOriginFacts(trx: Knex.Transaction, instanceId: string | null, jobId: string) {
  const instance = instanceId
    ? await trx('process_instances as i')
        .leftJoin('process_versions as v', 'v.id', 'i.version_id')
        .where('i.id', instanceId)
        .first('i.id', 'i.key', 'i.version_id', 'i.business_key', 'i.variables', 'i.started_by', 'i.started_by_name', 'v.sha256')
    : undefined;
  const job = await trx('jobs').where({ id: jobId }).first('activity_id');
  const lastTask = instanceId
    ? await trx('user_tasks as t')
        .leftJoin('users as u', 'u.username', 't.completed_by')
        .where('t.instance_id', instanceId)
        .where('t.status', 'completed')
        .whereNotNull('t.completed_by')
        .orderByRaw('coalesce(t.verified_at, t.completed_at) desc')
        .orderBy('t.id', 'desc')
        .first('t.id', 't.completed_by', 'u.printed_name')
    : undefined;
  return {
    instance: instance as
      | { id: string; key: string; version_id: string; business_key: string | null; variables: Record<string, unknown>; started_by: string; started_by_name: string | null; sha256: string | null }
      | undefined,
    job: job as { activity_id: string | null } | undefined,
    lastTask: lastTask as { id: string; completed_by: string; printed_name: string | null } | undefined,
  };
}
