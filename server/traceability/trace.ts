import type { Knex } from 'knex';
import { NotFoundError, ValidationError } from '../errors/app-error';
import {
  findEventsByIds,
  findEventsOfIdentifier,
  findExposedEvents,
  findInstancesMeasuredWithGauge,
  findVersionHash,
  findItems,
  findItemsByIds,
  walkGenealogy,
  type GenealogyEvent,
  type GenealogyItem,
  type TraceEdgeRow,
} from '../repos/genealogy.repo';

export type TraceDirection = 'backward' | 'forward';

/** What was asked: kept with the answer so that an auditor can run it again (same asOf, same answer). */
export type TraceQuery = { identifier: string; material?: string; direction: TraceDirection; depth: number; asOf?: Date };

export type TraceNode = GenealogyItem & { depth: number };
export type TraceEdge = TraceEdgeRow & { event: GenealogyEvent | undefined };

/** A trace: the start nodes, every node and edge reached, and the start nodes' own history. */
export type Trace = {
  query: { identifier: string; material: string | null; direction: TraceDirection; depth: number; asOf: Date };
  generatedAt: Date;
  roots: GenealogyItem[];
  nodes: TraceNode[];
  edges: TraceEdge[];
  history: GenealogyEvent[];
  /** Nodes with nothing further in the trace's direction: raw inputs (backward) or end items (forward). */
  ends: TraceNode[];
  truncated: boolean;
};

/** Traces may go at most this deep; T02 asks for 10 levels. */
export const MAX_TRACE_DEPTH = 50;

/**
 * Backward (inputs, as built) or forward (where used, where it went) trace of a lot or serial
 * through at most `depth` levels of the genealogy graph, as recorded up to `asOf` (default now).
 * @throws NotFoundError when no lot or serial has this identifier.
 */
export async function traceGenealogy(db: Knex | Knex.Transaction, query: TraceQuery, now: Date): Promise<Trace> {
  const asOf = query.asOf ?? now;
  const roots = (await findItems(db, query.identifier, query.material)).filter((item) => item.createdAt <= asOf);
  if (roots.length === 0) throw new NotFoundError(`No lot or serial ${query.identifier}${query.material ? ` of ${query.material}` : ''} in the genealogy${query.asOf ? ` as of ${asOf.toISOString()}` : ''}`);
  const rows = await walkGenealogy(db, roots.map((r) => r.id), query.direction, query.depth, asOf);
  const depthOf = new Map<number, number>(roots.map((r) => [r.id, 0]));
  for (const row of rows) {
    const reached = query.direction === 'backward' ? row.parentItemId : row.childItemId;
    const known = depthOf.get(reached);
    if (known === undefined || row.depth < known) depthOf.set(reached, row.depth);
  }
  const items = await findItemsByIds(db, [...depthOf.keys()]);
  const events = new Map((await findEventsByIds(db, [...new Set(rows.map((r) => r.eventId))])).map((e) => [e.id, e]));
  const nodes = items.map((item) => ({ ...item, depth: depthOf.get(item.id)! })).sort((a, b) => a.depth - b.depth || a.identifier.localeCompare(b.identifier));
  const hasNext = new Set(rows.map((r) => (query.direction === 'backward' ? r.childItemId : r.parentItemId)));
  const history = (await Promise.all(roots.map((root) => findEventsOfIdentifier(db, root.identifier, root.material, asOf)))).flat();
  return {
    query: { identifier: query.identifier, material: query.material ?? null, direction: query.direction, depth: query.depth, asOf },
    generatedAt: now,
    roots,
    nodes,
    edges: rows.sort((a, b) => a.depth - b.depth || a.edgeId - b.edgeId).map((row) => ({ ...row, event: events.get(row.eventId) })),
    history: dedupe(history),
    ends: nodes.filter((node) => !hasNext.has(node.id)),
    truncated: rows.some((r) => r.depth === query.depth),
  };
}

/** What an exposure query asks (T03): at least one of equipment, person, process version or gauge, in a window. */
export type ExposureQuery = {
  equipmentId?: string;
  performedBy?: string;
  processKey?: string;
  version?: number;
  versionSha256?: string;
  gaugeId?: string;
  from: Date;
  to: Date;
  asOf?: Date;
  limit: number;
};

export type ExposedUnit = { kind: 'lot' | 'serial'; material: string; identifier: string; role: 'processed' | 'output'; events: GenealogyEvent[] };

export type Exposure = {
  query: Omit<ExposureQuery, 'asOf' | 'versionSha256'> & { asOf: Date; versionSha256: string | null; instancesMeasuredWithGauge: string[] | null };
  generatedAt: Date;
  units: ExposedUnit[];
  events: number;
  truncated: boolean;
};

/**
 * Every unit (lot or serial) processed on a piece of equipment, by a person, under a process
 * version, or in instances that measured with a gauge, within a time window (T03). A unit is
 * `processed` when it was the subject of an event (consumed, produced, moved…) and `output` when
 * something went into it.
 * @throws ValidationError when no criterion is given or a version is given without its process key.
 */
export async function findExposure(db: Knex | Knex.Transaction, query: ExposureQuery, now: Date): Promise<Exposure> {
  if (!query.equipmentId && !query.performedBy && !query.versionSha256 && query.version === undefined && !query.gaugeId && !query.processKey) {
    throw new ValidationError('Give at least one of equipmentId, performedBy, processKey (with version) , versionSha256 or gaugeId', [{ path: 'query', message: 'no criterion' }]);
  }
  if (query.version !== undefined && !query.processKey) throw new ValidationError('A version number needs its processKey', [{ path: 'query.processKey', message: 'required with version' }]);
  let versionSha256 = query.versionSha256 ?? null;
  if (query.version !== undefined) {
    const version = await findVersionHash(db, query.processKey!, query.version);
    if (!version) throw new NotFoundError(`No version ${query.version} of ${query.processKey}`);
    if (versionSha256 && versionSha256 !== version.sha256) throw new ValidationError('versionSha256 is not the hash of that version', [{ path: 'query.versionSha256', message: 'does not match' }]);
    versionSha256 = version.sha256 as string;
  }
  let instanceIds: string[] | undefined;
  if (query.gaugeId) {
    // Units measured with the gauge: instances with a completed task whose data names it.
    instanceIds = await findInstancesMeasuredWithGauge(db, query.gaugeId, query.from, query.to);
  }
  const asOf = query.asOf ?? now;
  const events = await findExposedEvents(db, {
    equipmentId: query.equipmentId,
    performedBy: query.performedBy,
    versionSha256: versionSha256 ?? undefined,
    processKey: query.processKey,
    instanceIds,
    from: query.from,
    to: query.to,
    asOf,
    limit: query.limit + 1,
  });
  const truncated = events.length > query.limit;
  const units = new Map<string, ExposedUnit>();
  const add = (kind: 'lot' | 'serial', material: string, identifier: string, role: ExposedUnit['role'], event: GenealogyEvent) => {
    const key = `${kind}\u0000${material}\u0000${identifier}`;
    const unit = units.get(key) ?? { kind, material, identifier, role, events: [] };
    if (!unit.events.includes(event)) unit.events.push(event);
    units.set(key, unit);
  };
  for (const event of events.slice(0, query.limit)) {
    add(event.serial ? 'serial' : 'lot', event.material, (event.serial ?? event.lot)!, 'processed', event);
    if (event.intoLot || event.intoSerial) add(event.intoSerial ? 'serial' : 'lot', event.intoMaterial ?? event.material, (event.intoSerial ?? event.intoLot)!, 'output', event);
  }
  return {
    query: { ...query, asOf, versionSha256: versionSha256 ?? null, instancesMeasuredWithGauge: instanceIds ?? null },
    generatedAt: now,
    units: [...units.values()].sort((a, b) => a.identifier.localeCompare(b.identifier)),
    events: Math.min(events.length, query.limit),
    truncated,
  };
}

function dedupe(events: GenealogyEvent[]): GenealogyEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => (seen.has(e.id) ? false : (seen.add(e.id), true))).sort((a, b) => a.seq - b.seq);
}
