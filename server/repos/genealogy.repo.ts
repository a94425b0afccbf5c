import type { Knex } from 'knex';

// Genealogy (T01–T03, T05): `genealogy_events` is the append-only log; `genealogy_items` and
// `genealogy_edges` are its graph projection (a node per lot or serial, an edge per input that went
// into an output), kept in step by the same transaction and rebuildable from the log.

export const GENEALOGY_EVENT_TYPES = ['consume', 'produce', 'split', 'merge', 'move', 'ship', 'scrap', 'return-to-vendor', 'status', 'assemble', 'remove'] as const;
export type GenealogyEventType = (typeof GENEALOGY_EVENT_TYPES)[number];

/** Events that make an edge input → output in the graph. */
export const EDGE_EVENT_TYPES: ReadonlySet<GenealogyEventType> = new Set(['consume', 'split', 'merge', 'assemble']);

export type ItemKind = 'lot' | 'serial';

export type GenealogyEvent = {
  id: string;
  seq: number;
  eventType: GenealogyEventType;
  material: string;
  lot: string | null;
  serial: string | null;
  quantity: number | null;
  uom: string | null;
  intoMaterial: string | null;
  intoLot: string | null;
  intoSerial: string | null;
  position: string | null;
  location: string | null;
  statusFrom: string | null;
  statusTo: string | null;
  reference: string | null;
  orderId: string | null;
  operation: string | null;
  equipmentId: string | null;
  performedBy: string | null;
  performedByName: string | null;
  instanceId: string | null;
  processKey: string | null;
  versionId: string | null;
  versionSha256: string | null;
  activityId: string | null;
  taskId: string | null;
  jobId: string | null;
  source: string;
  occurredAt: Date;
  recordedAt: Date;
};

export type NewGenealogyEvent = Omit<GenealogyEvent, 'id' | 'seq' | 'source'> & { source?: string; idempotencyKey?: string | null };

export type GenealogyItem = { id: number; kind: ItemKind; material: string; identifier: string; status: string; location: string | null; createdAt: Date; updatedAt: Date };

type EventRow = {
  id: string;
  seq: string | number;
  event_type: GenealogyEventType;
  material: string;
  lot: string | null;
  serial: string | null;
  quantity: string | number | null;
  uom: string | null;
  into_material: string | null;
  into_lot: string | null;
  into_serial: string | null;
  position: string | null;
  location: string | null;
  status_from: string | null;
  status_to: string | null;
  reference: string | null;
  order_id: string | null;
  operation: string | null;
  equipment_id: string | null;
  performed_by: string | null;
  performed_by_name: string | null;
  instance_id: string | null;
  process_key: string | null;
  version_id: string | null;
  version_sha256: string | null;
  activity_id: string | null;
  task_id: string | null;
  job_id: string | null;
  source: string;
  occurred_at: Date;
  recorded_at: Date;
};

type ItemRow = { id: string | number; kind: ItemKind; material: string; identifier: string; status: string; location: string | null; created_at: Date; updated_at: Date };

const num = (value: string | number | null): number | null => (value === null || value === undefined ? null : Number(value));

export function eventFromRow(row: EventRow): GenealogyEvent {
  return {
    id: row.id,
    seq: Number(row.seq),
    eventType: row.event_type,
    material: row.material,
    lot: row.lot,
    serial: row.serial,
    quantity: num(row.quantity),
    uom: row.uom,
    intoMaterial: row.into_material,
    intoLot: row.into_lot,
    intoSerial: row.into_serial,
    position: row.position,
    location: row.location,
    statusFrom: row.status_from,
    statusTo: row.status_to,
    reference: row.reference,
    orderId: row.order_id,
    operation: row.operation,
    equipmentId: row.equipment_id,
    performedBy: row.performed_by,
    performedByName: row.performed_by_name,
    instanceId: row.instance_id,
    processKey: row.process_key,
    versionId: row.version_id,
    versionSha256: row.version_sha256,
    activityId: row.activity_id,
    taskId: row.task_id,
    jobId: row.job_id,
    source: row.source,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
  };
}

function itemFromRow(row: ItemRow): GenealogyItem {
  return { id: Number(row.id), kind: row.kind, material: row.material, identifier: row.identifier, status: row.status, location: row.location, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** The event recorded under an idempotency key (a repeated job), if any. */
export async function findEventByIdempotencyKey(db: Knex | Knex.Transaction, key: string): Promise<GenealogyEvent | undefined> {
  const row = await db('genealogy_events').where({ idempotency_key: key }).first();
  return row ? eventFromRow(row as EventRow) : undefined;
}

/** Appends one event to the log (the projection is the caller's next step). */
export async function insertGenealogyEvent(trx: Knex.Transaction, event: NewGenealogyEvent): Promise<GenealogyEvent> {
  const [row] = await trx('genealogy_events')
    .insert({
      event_type: event.eventType,
      material: event.material,
      lot: event.lot,
      serial: event.serial,
      quantity: event.quantity,
      uom: event.uom,
      into_material: event.intoMaterial,
      into_lot: event.intoLot,
      into_serial: event.intoSerial,
      position: event.position,
      location: event.location,
      status_from: event.statusFrom,
      status_to: event.statusTo,
      reference: event.reference,
      order_id: event.orderId,
      operation: event.operation,
      equipment_id: event.equipmentId,
      performed_by: event.performedBy,
      performed_by_name: event.performedByName,
      instance_id: event.instanceId,
      process_key: event.processKey,
      version_id: event.versionId,
      version_sha256: event.versionSha256,
      activity_id: event.activityId,
      task_id: event.taskId,
      job_id: event.jobId,
      source: event.source ?? 'process',
      occurred_at: event.occurredAt,
      recorded_at: event.recordedAt,
      idempotency_key: event.idempotencyKey ?? null,
    })
    .returning('*');
  return eventFromRow(row as EventRow);
}

/** The node of a lot or serial, created when first seen. */
export async function upsertItem(trx: Knex.Transaction, item: { kind: ItemKind; material: string; identifier: string; now: Date }): Promise<GenealogyItem> {
  const rows = await trx('genealogy_items')
    .insert({ kind: item.kind, material: item.material, identifier: item.identifier, status: 'active', created_at: item.now, updated_at: item.now })
    .onConflict(['kind', 'material', 'identifier'])
    .ignore()
    .returning('*');
  if (rows[0]) return itemFromRow(rows[0] as ItemRow);
  const existing = await trx('genealogy_items').where({ kind: item.kind, material: item.material, identifier: item.identifier }).first();
  return itemFromRow(existing as ItemRow);
}

export async function updateItem(trx: Knex.Transaction, id: number, patch: { status?: string; location?: string | null }, now: Date): Promise<void> {
  await trx('genealogy_items')
    .where({ id })
    .update({ ...(patch.status !== undefined ? { status: patch.status } : {}), ...(patch.location !== undefined ? { location: patch.location } : {}), updated_at: now });
}

/** Sets the status of every node of a lot (any material): holds are kept per lot identifier. */
export async function setLotStatus(trx: Knex.Transaction, lot: string, from: string[], to: string, now: Date): Promise<void> {
  await trx('genealogy_items').where({ kind: 'lot', identifier: lot }).whereIn('status', from).update({ status: to, updated_at: now });
}

export async function insertEdge(
  trx: Knex.Transaction,
  edge: { parentItemId: number; childItemId: number; eventId: string; eventType: string; quantity: number | null; uom: string | null; occurredAt: Date; recordedAt: Date },
): Promise<void> {
  await trx('genealogy_edges').insert({
    parent_item_id: edge.parentItemId,
    child_item_id: edge.childItemId,
    event_id: edge.eventId,
    event_type: edge.eventType,
    quantity: edge.quantity,
    uom: edge.uom,
    occurred_at: edge.occurredAt,
    recorded_at: edge.recordedAt,
  });
}

/** Lots or serials with this identifier (any material unless one is given). */
export async function findItems(db: Knex | Knex.Transaction, identifier: string, material?: string): Promise<GenealogyItem[]> {
  const query = db('genealogy_items').where({ identifier }).orderBy('id');
  if (material) query.andWhere({ material });
  return ((await query) as ItemRow[]).map(itemFromRow);
}

export async function findItemsByIds(db: Knex | Knex.Transaction, ids: number[]): Promise<GenealogyItem[]> {
  if (ids.length === 0) return [];
  const rows: ItemRow[] = [];
  // Chunks keep the parameter count well under PostgreSQL's limit on wide traces.
  for (let i = 0; i < ids.length; i += 5000) rows.push(...((await db('genealogy_items').whereIn('id', ids.slice(i, i + 5000))) as ItemRow[]));
  return rows.map(itemFromRow);
}

/** One edge reached by a trace, with the depth at which it was first reached. */
export type TraceEdgeRow = {
  edgeId: number;
  parentItemId: number;
  childItemId: number;
  depth: number;
  eventId: string;
  eventType: string;
  quantity: number | null;
  uom: string | null;
  occurredAt: Date;
};

/**
 * Walks the graph with a recursive CTE: backward from outputs to their inputs, forward from inputs
 * to what consumed them, at most `depth` levels. Edges recorded after `asOf` are ignored, so that
 * a trace can be re-run later with the same answer.
 */
export async function walkGenealogy(
  db: Knex | Knex.Transaction,
  startItemIds: number[],
  direction: 'backward' | 'forward',
  depth: number,
  asOf: Date,
): Promise<TraceEdgeRow[]> {
  if (startItemIds.length === 0) return [];
  const [near, far] = direction === 'backward' ? ['child_item_id', 'parent_item_id'] : ['parent_item_id', 'child_item_id'];
  // UNION (not UNION ALL) drops repeated (edge, depth) rows; DISTINCT ON keeps each edge's shallowest depth.
  const result = await db.raw(
    `WITH RECURSIVE walk(edge_id, next_item, depth) AS (
       SELECT e.id, e.${far}, 1 FROM genealogy_edges e
        WHERE e.${near} = ANY(?::bigint[]) AND e.recorded_at <= ?
       UNION
       SELECT e.id, e.${far}, w.depth + 1 FROM walk w
         JOIN genealogy_edges e ON e.${near} = w.next_item
        WHERE w.depth < ? AND e.recorded_at <= ?
     )
     SELECT DISTINCT ON (e.id) e.id, e.parent_item_id, e.child_item_id, w.depth, e.event_id, e.event_type, e.quantity, e.uom, e.occurred_at
       FROM walk w JOIN genealogy_edges e ON e.id = w.edge_id
      ORDER BY e.id, w.depth`,
    // A PostgreSQL array literal of integers: one parameter, whatever the number of start items.
    [`{${startItemIds.map((id) => Math.trunc(id)).join(',')}}`, asOf, depth, asOf],
  );
  return (result.rows as Array<Record<string, unknown>>).map((r) => ({
    edgeId: Number(r.id),
    parentItemId: Number(r.parent_item_id),
    childItemId: Number(r.child_item_id),
    depth: Number(r.depth),
    eventId: r.event_id as string,
    eventType: r.event_type as string,
    quantity: num(r.quantity as string | null),
    uom: (r.uom as string | null) ?? null,
    occurredAt: r.occurred_at as Date,
  }));
}

export async function findEventsByIds(db: Knex | Knex.Transaction, ids: string[]): Promise<GenealogyEvent[]> {
  if (ids.length === 0) return [];
  const rows: EventRow[] = [];
  for (let i = 0; i < ids.length; i += 5000) rows.push(...((await db('genealogy_events').whereIn('id', ids.slice(i, i + 5000))) as EventRow[]));
  return rows.map(eventFromRow).sort((a, b) => a.seq - b.seq);
}

/** Every event of a lot or serial (as subject or as target), oldest first. */
export async function findEventsOfIdentifier(db: Knex | Knex.Transaction, identifier: string, material?: string, asOf?: Date): Promise<GenealogyEvent[]> {
  const query = db('genealogy_events')
    .where((q) => {
      q.where((s) => {
        s.where('lot', identifier).orWhere('serial', identifier);
        if (material) s.andWhere('material', material);
      }).orWhere((s) => {
        s.where('into_lot', identifier).orWhere('into_serial', identifier);
        if (material) s.andWhere('into_material', material);
      });
    })
    .orderBy('seq');
  if (asOf) query.andWhere('recorded_at', '<=', asOf);
  return ((await query) as EventRow[]).map(eventFromRow);
}

export async function findEventsOfInstances(db: Knex | Knex.Transaction, instanceIds: string[]): Promise<GenealogyEvent[]> {
  if (instanceIds.length === 0) return [];
  const rows = await db('genealogy_events').whereIn('instance_id', instanceIds).orderBy('seq');
  return (rows as EventRow[]).map(eventFromRow);
}

export async function findEventsOfOrders(db: Knex | Knex.Transaction, orderIds: string[]): Promise<GenealogyEvent[]> {
  if (orderIds.length === 0) return [];
  const rows = await db('genealogy_events').whereIn('order_id', orderIds).orderBy('seq');
  return (rows as EventRow[]).map(eventFromRow);
}

/** What an exposure query asks for; every given criterion must hold. */
export type ExposureFilter = {
  equipmentId?: string;
  performedBy?: string;
  versionSha256?: string;
  processKey?: string;
  instanceIds?: string[];
  from: Date;
  to: Date;
  asOf: Date;
  limit: number;
};

/**
 * Events that touched a unit within the window under the given equipment, person, process version
 * or instances (T03); the caller groups them by unit.
 */
export async function findExposedEvents(db: Knex | Knex.Transaction, filter: ExposureFilter): Promise<GenealogyEvent[]> {
  const query = db('genealogy_events')
    .where('occurred_at', '>=', filter.from)
    .andWhere('occurred_at', '<=', filter.to)
    .andWhere('recorded_at', '<=', filter.asOf)
    .whereNot('event_type', 'status')
    .orderBy('seq')
    .limit(filter.limit);
  if (filter.equipmentId) query.andWhere('equipment_id', filter.equipmentId);
  if (filter.performedBy) query.andWhere('performed_by', filter.performedBy);
  if (filter.versionSha256) query.andWhere('version_sha256', filter.versionSha256);
  if (filter.processKey) query.andWhere('process_key', filter.processKey);
  if (filter.instanceIds) {
    if (filter.instanceIds.length === 0) return [];
    query.whereIn('instance_id', filter.instanceIds);
  }
  return ((await query) as EventRow[]).map(eventFromRow);
}

/**
 * Rebuilds the projection from the log (the graph is never edited directly): empties the items and
 * edges, then replays every event in order. Returns the counts rebuilt.
 */
export async function rebuildGenealogyProjection(
  trx: Knex.Transaction,
  apply: (trx: Knex.Transaction, event: GenealogyEvent) => Promise<void>,
): Promise<{ events: number }> {
  await trx('genealogy_edges').del();
  await trx('genealogy_items').del();
  let events = 0;
  let after = 0;
  for (;;) {
    const rows = (await trx('genealogy_events').where('seq', '>', after).orderBy('seq').limit(5000)) as EventRow[];
    if (rows.length === 0) break;
    for (const row of rows) {
      await apply(trx, eventFromRow(row));
      events++;
    }
    after = Number(rows[rows.length - 1].seq);
  }
  return { events };
}

/** The content hash of a version by key and number. */
export async function findVersionHash(db: Knex | Knex.Transaction, key: string, version: number): Promise<{ sha256: string } | undefined> {
  const row = await db('process_versions').where({ key, version }).first('sha256');
  return row ? { sha256: row.sha256 as string } : undefined;
}

/** Instances with a task completed in the window whose data names this gauge (units measured with it). */
export async function findInstancesMeasuredWithGauge(db: Knex | Knex.Transaction, gaugeId: string, from: Date, to: Date): Promise<string[]> {
  const rows = await db('user_tasks')
    .distinct('instance_id')
    .where('status', 'completed')
    .whereRaw(`lower(submitted->>'gaugeId') = lower(?)`, [gaugeId])
    .andWhere('completed_at', '>=', from)
    .andWhere('completed_at', '<=', to);
  return rows.map((r) => r.instance_id as string);
}
