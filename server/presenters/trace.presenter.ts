import type { GenealogyEvent, GenealogyItem } from '../repos/genealogy.repo';
import type { Gauge } from '../repos/gauges.repo';
import type { LotHold } from '../repos/lot-holds.repo';
import type { Notification } from '../repos/notifications.repo';
import type { Exposure, Trace, TraceNode } from '../traceability/trace';

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

/** A node's stable reference in a trace: kind, material and identifier. */
export const nodeRef = (item: Pick<GenealogyItem, 'kind' | 'material' | 'identifier'>) => `${item.kind}:${item.material}:${item.identifier}`;

/** One genealogy event: what, which lot or serial, how much, where, who, under which version. */
export function presentGenealogyEvent(event: GenealogyEvent) {
  return {
    id: event.id,
    seq: event.seq,
    eventType: event.eventType,
    material: event.material,
    lot: event.lot,
    serial: event.serial,
    quantity: event.quantity,
    uom: event.uom,
    into: event.intoLot || event.intoSerial ? { material: event.intoMaterial, lot: event.intoLot, serial: event.intoSerial, position: event.position } : null,
    location: event.location,
    status: event.statusTo ? { from: event.statusFrom, to: event.statusTo } : null,
    reference: event.reference,
    orderId: event.orderId,
    operation: event.operation,
    equipmentId: event.equipmentId,
    performedBy: event.performedBy,
    performedByName: event.performedByName,
    instanceId: event.instanceId,
    processKey: event.processKey,
    versionId: event.versionId,
    versionSha256: event.versionSha256,
    activityId: event.activityId,
    taskId: event.taskId,
    source: event.source,
    occurredAt: event.occurredAt.toISOString(),
    recordedAt: event.recordedAt.toISOString(),
  };
}

const presentNode = (node: GenealogyItem | TraceNode) => ({
  ref: nodeRef(node),
  kind: node.kind,
  material: node.material,
  identifier: node.identifier,
  status: node.status,
  location: node.location,
  ...('depth' in node ? { depth: node.depth } : {}),
});

/** A trace with its query parameters and time, so that an auditor can re-run it. */
export function presentTrace(trace: Trace) {
  const refs = new Map(trace.nodes.map((n) => [n.id, nodeRef(n)]));
  return {
    query: { ...trace.query, asOf: trace.query.asOf.toISOString() },
    generatedAt: trace.generatedAt.toISOString(),
    roots: trace.roots.map(presentNode),
    nodes: trace.nodes.map(presentNode),
    edges: trace.edges.map((edge) => ({
      from: refs.get(edge.parentItemId) ?? null,
      to: refs.get(edge.childItemId) ?? null,
      depth: edge.depth,
      eventType: edge.eventType,
      quantity: edge.quantity,
      uom: edge.uom,
      occurredAt: edge.occurredAt.toISOString(),
      event: edge.event ? presentGenealogyEvent(edge.event) : null,
    })),
    history: trace.history.map(presentGenealogyEvent),
    ends: trace.ends.map(presentNode),
    truncated: trace.truncated,
    summary: { nodes: trace.nodes.length, edges: trace.edges.length, maxDepth: Math.max(0, ...trace.nodes.map((n) => n.depth)) },
  };
}

/** Where-used: what consumed a lot directly, and the end items it went into, with where they are. */
export function presentWhereUsed(trace: Trace) {
  const refs = new Map(trace.nodes.map((n) => [n.id, nodeRef(n)]));
  return {
    query: { ...trace.query, asOf: trace.query.asOf.toISOString() },
    generatedAt: trace.generatedAt.toISOString(),
    roots: trace.roots.map(presentNode),
    usedIn: trace.edges
      .filter((e) => e.depth === 1)
      .map((e) => ({ item: refs.get(e.childItemId) ?? null, quantity: e.quantity, uom: e.uom, eventType: e.eventType, occurredAt: e.occurredAt.toISOString(), orderId: e.event?.orderId ?? null, instanceId: e.event?.instanceId ?? null })),
    endItems: trace.ends.filter((n) => n.depth > 0).map(presentNode),
    truncated: trace.truncated,
  };
}

export function presentExposure(exposure: Exposure) {
  const q = exposure.query;
  return {
    query: {
      equipmentId: q.equipmentId ?? null,
      performedBy: q.performedBy ?? null,
      processKey: q.processKey ?? null,
      version: q.version ?? null,
      versionSha256: q.versionSha256,
      gaugeId: q.gaugeId ?? null,
      from: q.from.toISOString(),
      to: q.to.toISOString(),
      asOf: q.asOf.toISOString(),
      limit: q.limit,
      instancesMeasuredWithGauge: q.instancesMeasuredWithGauge,
    },
    generatedAt: exposure.generatedAt.toISOString(),
    units: exposure.units.map((u) => ({
      ref: nodeRef(u),
      kind: u.kind,
      material: u.material,
      identifier: u.identifier,
      role: u.role,
      firstAt: u.events[0]?.occurredAt.toISOString() ?? null,
      lastAt: u.events.at(-1)?.occurredAt.toISOString() ?? null,
      events: u.events.map((e) => ({ id: e.id, eventType: e.eventType, occurredAt: e.occurredAt.toISOString(), equipmentId: e.equipmentId, performedBy: e.performedBy, instanceId: e.instanceId, processKey: e.processKey, versionSha256: e.versionSha256, orderId: e.orderId })),
    })),
    total: exposure.units.length,
    events: exposure.events,
    truncated: exposure.truncated,
  };
}

export function presentHold(hold: LotHold) {
  return {
    id: hold.id,
    lot: hold.lot,
    material: hold.material,
    status: hold.status,
    reason: hold.reason,
    reference: hold.reference,
    placedBy: hold.placedBy,
    placedByName: hold.placedByName,
    placedAt: hold.placedAt.toISOString(),
    instanceId: hold.instanceId,
    releasedBy: hold.releasedBy,
    releasedByName: hold.releasedByName,
    releasedAt: iso(hold.releasedAt),
    releaseReason: hold.releaseReason,
    releaseReference: hold.releaseReference,
  };
}

export function presentGauge(gauge: Gauge, today: string) {
  return {
    id: gauge.id,
    description: gauge.description,
    location: gauge.location,
    status: gauge.status,
    calibratedOn: gauge.calibratedOn,
    calibrationDue: gauge.calibrationDue,
    certificate: gauge.certificate,
    usable: gauge.status === 'active' && gauge.calibrationDue >= today,
    updatedBy: gauge.updatedBy,
    updatedAt: gauge.updatedAt.toISOString(),
  };
}

export function presentNotification(n: Notification) {
  return { id: n.id, instanceId: n.instanceId, key: n.processKey, businessKey: n.businessKey, tier: n.tier, roles: n.roles, subject: n.subject, eventClass: n.eventClass, createdAt: n.createdAt.toISOString() };
}
