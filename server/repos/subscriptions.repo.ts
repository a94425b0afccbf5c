import type { Knex } from 'knex';
import type { SubscriptionRow } from '../db/tables';

export type EventSubscription = {
  id: string;
  instanceId: string;
  kind: 'message' | 'signal';
  name: string;
  correlationKey: string | null;
  executionId: string;
  activityId: string;
  createdAt: Date;
};

export async function insertSubscription(
  trx: Knex.Transaction,
  sub: Omit<EventSubscription, 'id' | 'createdAt'> & { now: Date },
): Promise<EventSubscription | undefined> {
  const rows = await trx('subscriptions')
    .insert({
      instance_id: sub.instanceId,
      kind: sub.kind,
      name: sub.name,
      correlation_key: sub.correlationKey,
      execution_id: sub.executionId,
      activity_id: sub.activityId,
      created_at: sub.now,
    })
    .onConflict(['instance_id', 'execution_id', 'kind', 'name'])
    .ignore()
    .returning('*');
  return rows[0] ? subscriptionFromRow(rows[0] as SubscriptionRow) : undefined;
}

export async function deleteSubscriptions(trx: Knex.Transaction, ids: string[]): Promise<void> {
  if (ids.length) await trx('subscriptions').whereIn('id', ids).delete();
}

/**
 * The subscriptions a message reaches: by name, and by correlation key — the subscription's own
 * key when the model sets one, else the instance's business key.
 */
export async function findMessageSubscribers(db: Knex | Knex.Transaction, name: string, correlationKey: string | null): Promise<EventSubscription[]> {
  const query = db('subscriptions as s')
    .join('process_instances as i', 'i.id', 's.instance_id')
    .where('s.kind', 'message')
    .where('s.name', name)
    .whereIn('i.status', ['running'])
    .select('s.*')
    .orderBy('s.created_at');
  if (correlationKey !== null) {
    query.where((q) => q.where('s.correlation_key', correlationKey).orWhere((b) => b.whereNull('s.correlation_key').where('i.business_key', correlationKey)));
  }
  return ((await query) as SubscriptionRow[]).map(subscriptionFromRow);
}

/** Every running instance subscribed to a signal, one subscription per instance. */
export async function findSignalSubscribers(db: Knex | Knex.Transaction, name: string): Promise<EventSubscription[]> {
  const rows = await db('subscriptions as s')
    .join('process_instances as i', 'i.id', 's.instance_id')
    .where('s.kind', 'signal')
    .where('s.name', name)
    .where('i.status', 'running')
    .select('s.*')
    .orderBy('s.created_at');
  const seen = new Set<string>();
  return (rows as SubscriptionRow[]).map(subscriptionFromRow).filter((sub) => (seen.has(sub.instanceId) ? false : (seen.add(sub.instanceId), true)));
}

/** Maps a row (also one read back from JSON with its timestamps revived) to the domain type. */
export function subscriptionFromRow(row: SubscriptionRow): EventSubscription {
  return {
    id: row.id,
    instanceId: row.instance_id,
    kind: row.kind,
    name: row.name,
    correlationKey: row.correlation_key,
    executionId: row.execution_id,
    activityId: row.activity_id,
    createdAt: row.created_at,
  };
}
