import type { Knex } from 'knex';
import type { ActivityHistoryRow } from '../db/tables';

export type ActivityRecord = {
  executionId: string;
  activityId: string;
  activityType: string;
  name: string | null;
  startedAt: Date;
  endedAt: Date | null;
  actor: string | null;
  outcome: string | null;
};

/** Records activity starts (once per execution) and ends, in one round trip each. */
export async function recordActivityHistory(
  trx: Knex.Transaction,
  instanceId: string,
  entries: Array<{ event: 'started' | 'completed' | 'cancelled'; executionId: string; activityId: string; activityType: string; name?: string; at: Date }>,
  actor: string | null,
): Promise<void> {
  const starts = entries.filter((e) => e.event === 'started');
  if (starts.length) {
    await trx('activity_history')
      .insert(
        starts.map((e) => ({
          instance_id: instanceId,
          execution_id: e.executionId,
          activity_id: e.activityId,
          activity_type: e.activityType,
          name: e.name ?? null,
          started_at: e.at,
        })),
      )
      .onConflict(['instance_id', 'execution_id'])
      .ignore();
  }
  for (const end of entries.filter((e) => e.event !== 'started')) {
    const updated = await trx('activity_history')
      .where({ instance_id: instanceId, execution_id: end.executionId })
      .whereNull('ended_at')
      .update({ ended_at: end.at, outcome: end.event, actor });
    if (updated === 0) {
      // An activity that started and ended in a run that history did not see start (e.g. before a migration).
      await trx('activity_history')
        .insert({ instance_id: instanceId, execution_id: end.executionId, activity_id: end.activityId, activity_type: end.activityType, name: end.name ?? null, started_at: end.at, ended_at: end.at, outcome: end.event, actor })
        .onConflict(['instance_id', 'execution_id'])
        .ignore();
    }
  }
}

export async function findHistoryOfInstance(db: Knex | Knex.Transaction, instanceId: string): Promise<ActivityRecord[]> {
  const rows = await db('activity_history').where({ instance_id: instanceId }).orderBy('started_at').orderBy('id');
  return (rows as ActivityHistoryRow[]).map((row) => ({
    executionId: row.execution_id,
    activityId: row.activity_id,
    activityType: row.activity_type,
    name: row.name,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    actor: row.actor,
    outcome: row.outcome,
  }));
}
