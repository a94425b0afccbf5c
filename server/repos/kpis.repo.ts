import type { Knex } from 'knex';

// Aggregate reads behind the KPIs (server/kpis/compute-kpis.ts): instances, activity history,
// tasks, deviation-capa records, inspections and holds.

// Aggregate rows: knex cannot type computed columns.
export type Row = Record<string, any>;

/** Completed instances per process key in the window, with cycle time statistics in ms. */
export async function processCycleTimeRows(db: Knex, from: Date, to: Date): Promise<Row[]> {
  return db('process_instances')
    .select('key')
    .count({ completed: '*' })
    .select(
      db.raw(`avg(extract(epoch from (ended_at - started_at)) * 1000) as mean_ms`),
      db.raw(`percentile_cont(0.5) within group (order by extract(epoch from (ended_at - started_at)) * 1000) as median_ms`),
      db.raw(`percentile_cont(0.9) within group (order by extract(epoch from (ended_at - started_at)) * 1000) as p90_ms`),
      db.raw(`min(extract(epoch from (ended_at - started_at)) * 1000) as min_ms`),
      db.raw(`max(extract(epoch from (ended_at - started_at)) * 1000) as max_ms`),
    )
    .where({ status: 'completed' })
    .andWhere('ended_at', '>=', from)
    .andWhere('ended_at', '<=', to)
    .groupBy('key')
    .orderBy('key');
}

/** Task activities completed in the window per process key and activity, with durations in ms. */
export async function activityCycleTimeRows(db: Knex, from: Date, to: Date): Promise<Row[]> {
  return db('activity_history as h')
    .join('process_instances as i', 'i.id', 'h.instance_id')
    .select('i.key', 'h.activity_id', 'h.activity_type')
    .select(db.raw('max(h.name) as name'))
    .count({ count: '*' })
    .select(
      db.raw(`avg(extract(epoch from (h.ended_at - h.started_at)) * 1000) as mean_ms`),
      db.raw(`percentile_cont(0.5) within group (order by extract(epoch from (h.ended_at - h.started_at)) * 1000) as median_ms`),
      db.raw(`max(extract(epoch from (h.ended_at - h.started_at)) * 1000) as max_ms`),
    )
    .whereRaw(`h.activity_type ilike '%task%'`)
    .andWhere('h.outcome', 'completed')
    .andWhere('h.ended_at', '>=', from)
    .andWhere('h.ended_at', '<=', to)
    .groupBy('i.key', 'h.activity_id', 'h.activity_type')
    .orderBy(['i.key', 'h.activity_id']);
}

/** Open and awaiting-verification tasks now, with how many are past their due date. */
export async function openTaskRows(db: Knex, now: Date): Promise<Row[]> {
  return db('user_tasks')
    .select('status')
    .count({ count: '*' })
    .select(db.raw(`count(*) filter (where due_at is not null and due_at < ?) as overdue`, [now]))
    .whereIn('status', ['open', 'awaiting_verification'])
    .groupBy('status');
}

/** Running deviation-capa instances with their record type, CAPA decision (and when), and whether a task is overdue. */
export async function openDeviationCapaRows(db: Knex, now: Date): Promise<Row[]> {
  return db('process_instances as i')
    .leftJoin('activity_history as d', function decided() {
      this.on('d.instance_id', '=', 'i.id').andOn('d.activity_id', '=', db.raw('?', ['DecideCapa'])).andOnNotNull('d.ended_at');
    })
    .select('i.id', 'i.started_at', db.raw(`i.variables->>'recordType' as record_type`), db.raw(`i.variables->>'capaRequired' as capa_required`), db.raw('min(d.ended_at) as decided_at'))
    .select(db.raw(`exists (select 1 from user_tasks t where t.instance_id = i.id and t.status in ('open', 'awaiting_verification') and t.due_at is not null and t.due_at < ?) as overdue`, [now]))
    .where('i.key', 'deviation-capa')
    .whereIn('i.status', ['running', 'incident'])
    .groupBy('i.id', 'i.started_at', 'i.variables');
}

/** Inspection instances completed in the window, with whether they ended accepted or rejected. */
export async function completedInspectionRows(db: Knex, from: Date, to: Date): Promise<Row[]> {
  return db('process_instances as i')
    .select('i.id')
    .select(db.raw(`exists (select 1 from activity_history h where h.instance_id = i.id and h.activity_id = 'EndAccepted') as accepted`))
    .select(db.raw(`exists (select 1 from activity_history h where h.instance_id = i.id and h.activity_id = 'EndRejected') as rejected`))
    .where({ 'i.key': 'inspection', 'i.status': 'completed' })
    .andWhere('i.ended_at', '>=', from)
    .andWhere('i.ended_at', '<=', to);
}

/** Active holds and the distinct lots they block. */
export async function activeHoldCounts(db: Knex): Promise<{ active: number; lots: number }> {
  const [row]: Row[] = await db('lot_holds').where({ status: 'active' }).select(db.raw('count(*) as active'), db.raw('count(distinct lot) as lots'));
  return { active: Number(row.active), lots: Number(row.lots) };
}
