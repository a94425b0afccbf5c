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

type HistoryEntry = { event: 'started' | 'completed' | 'cancelled'; executionId: string; activityId: string; activityType: string; name?: string; at: Date };

/**
 * Records the activities a run started and ended: one insert for those it started (already ended
 * when they ended in the same run, as a start event does), one update for those that had started
 * in an earlier event. An end whose start history never saw (e.g. from before a migration) is
 * recorded as starting when it ended.
 */
export async function recordActivityHistory(trx: Knex.Transaction, instanceId: string, entries: HistoryEntry[], actor: string | null): Promise<void> {
  const startedNow = new Map<string, Record<string, unknown>>();
  const endedEarlierStarts: HistoryEntry[] = [];
  for (const entry of entries) {
    const row = startedNow.get(entry.executionId);
    if (entry.event === 'started') {
      if (!row) startedNow.set(entry.executionId, newRow(instanceId, entry));
    } else if (row && row.ended_at === null) {
      Object.assign(row, { ended_at: entry.at, outcome: entry.event, actor });
    } else if (!row) {
      endedEarlierStarts.push(entry);
    }
  }
  if (startedNow.size) {
    const inserted = await trx('activity_history').insert([...startedNow.values()]).onConflict(['instance_id', 'execution_id']).ignore().returning('execution_id');
    const insertedIds = new Set((inserted as Array<{ execution_id: string }>).map((r) => r.execution_id));
    // A start recorded by an earlier event (re-emitted on resume) keeps its row: its end updates it.
    for (const entry of entries) if (entry.event !== 'started' && startedNow.has(entry.executionId) && !insertedIds.has(entry.executionId)) endedEarlierStarts.push(entry);
  }
  if (!endedEarlierStarts.length) return;

  const values = endedEarlierStarts.map(() => '(?, ?::timestamptz, ?)').join(', ');
  const result = await trx.raw(
    `UPDATE activity_history h SET ended_at = v.ended_at, outcome = v.outcome, actor = ?
       FROM (VALUES ${values}) AS v(execution_id, ended_at, outcome)
      WHERE h.instance_id = ? AND h.execution_id = v.execution_id AND h.ended_at IS NULL
      RETURNING h.execution_id`,
    [actor, ...endedEarlierStarts.flatMap((e) => [e.executionId, e.at, e.event]), instanceId],
  );
  const updated = new Set((result.rows as Array<{ execution_id: string }>).map((r) => r.execution_id));
  const unseen = endedEarlierStarts.filter((e) => !updated.has(e.executionId));
  if (unseen.length) {
    await trx('activity_history')
      .insert(unseen.map((e) => ({ ...newRow(instanceId, e), ended_at: e.at, outcome: e.event, actor })))
      .onConflict(['instance_id', 'execution_id'])
      .ignore();
  }
}

function newRow(instanceId: string, entry: HistoryEntry): Record<string, unknown> {
  return {
    instance_id: instanceId,
    execution_id: entry.executionId,
    activity_id: entry.activityId,
    activity_type: entry.activityType,
    name: entry.name ?? null,
    started_at: entry.at,
    ended_at: null,
    outcome: null,
    actor: null,
  };
}

export async function findHistoryOfInstance(db: Knex | Knex.Transaction, instanceId: string): Promise<ActivityRecord[]> {
  const rows = await db('activity_history').where({ instance_id: instanceId }).orderBy('started_at').orderBy('id');
  return (rows as ActivityHistoryRow[]).map(activityFromRow);
}

/** Maps a row (also one read back from JSON with its timestamps revived) to the domain type. */
export function activityFromRow(row: ActivityHistoryRow): ActivityRecord {
  return {
    executionId: row.execution_id,
    activityId: row.activity_id,
    activityType: row.activity_type,
    name: row.name,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    actor: row.actor,
    outcome: row.outcome,
  };
}
