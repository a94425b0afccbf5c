import type { Knex } from 'knex';
import type { IncidentRow } from '../db/tables';

export type Incident = {
  id: string;
  instanceId: string;
  jobId: string | null;
  activityId: string | null;
  elementId: string | null;
  kind: string;
  message: string;
  payload: Record<string, unknown>;
  status: 'open' | 'resolved';
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolution: string | null;
};

export async function insertIncident(
  trx: Knex.Transaction,
  incident: { instanceId: string; jobId: string | null; activityId: string | null; elementId: string | null; kind: string; message: string; payload: Record<string, unknown>; now: Date },
): Promise<Incident> {
  const [row] = await trx('incidents')
    .insert({
      instance_id: incident.instanceId,
      job_id: incident.jobId,
      activity_id: incident.activityId,
      element_id: incident.elementId,
      kind: incident.kind,
      message: incident.message.slice(0, 4000),
      payload: JSON.stringify(incident.payload) as never,
      status: 'open',
      created_at: incident.now,
    })
    .returning('*');
  return incidentFromRow(row as IncidentRow);
}

export async function findIncident(db: Knex | Knex.Transaction, id: string): Promise<Incident | undefined> {
  const row = await db('incidents').where({ id }).first();
  return row ? incidentFromRow(row) : undefined;
}

export async function findIncidentForUpdate(trx: Knex.Transaction, id: string): Promise<Incident | undefined> {
  const row = await trx('incidents').where({ id }).forUpdate().first();
  return row ? incidentFromRow(row) : undefined;
}

export async function findOpenIncidentsOfInstance(db: Knex | Knex.Transaction, instanceId: string): Promise<Incident[]> {
  const rows = await db('incidents').where({ instance_id: instanceId, status: 'open' }).orderBy('created_at');
  return (rows as IncidentRow[]).map(incidentFromRow);
}

export async function resolveIncident(trx: Knex.Transaction, id: string, by: string, resolution: string, now: Date): Promise<Incident> {
  const [row] = await trx('incidents').where({ id }).update({ status: 'resolved', resolved_at: now, resolved_by: by, resolution }).returning('*');
  return incidentFromRow(row as IncidentRow);
}

export type IncidentFilter = { status?: 'open' | 'resolved'; instanceId?: string; key?: string; limit: number; offset: number };

export async function listIncidents(db: Knex | Knex.Transaction, filter: IncidentFilter): Promise<{ items: Array<Incident & { key: string; businessKey: string | null }>; total: number }> {
  const where = (query: Knex.QueryBuilder) => {
    query.join('process_instances as i', 'i.id', 'incidents.instance_id');
    if (filter.status) query.where('incidents.status', filter.status);
    if (filter.instanceId) query.where('incidents.instance_id', filter.instanceId);
    if (filter.key) query.where('i.key', filter.key);
    return query;
  };
  const rows = await where(db('incidents').select('incidents.*', 'i.key as key', 'i.business_key as business_key')).orderBy('incidents.created_at', 'desc').limit(filter.limit).offset(filter.offset);
  const [{ count }] = await where(db('incidents').count({ count: '*' }));
  return { items: rows.map((row: IncidentRow & { key: string; business_key: string | null }) => ({ ...incidentFromRow(row), key: row.key, businessKey: row.business_key })), total: Number(count) };
}

/** Maps a row (also one read back from JSON with its timestamps revived) to the domain type. */
export function incidentFromRow(row: IncidentRow): Incident {
  return {
    id: row.id,
    instanceId: row.instance_id,
    jobId: row.job_id,
    activityId: row.activity_id,
    elementId: row.element_id,
    kind: row.kind,
    message: row.message,
    payload: row.payload ?? {},
    status: row.status,
    createdAt: row.created_at,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
    resolution: row.resolution,
  };
}
