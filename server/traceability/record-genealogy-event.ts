import type { Knex } from 'knex';
import type { CommandContext } from '../commands/run-command';
import {
  EDGE_EVENT_TYPES,
  findEventByIdempotencyKey,
  insertEdge,
  insertGenealogyEvent,
  updateItem,
  upsertItem,
  type GenealogyEvent,
  type GenealogyEventType,
  type ItemKind,
} from '../repos/genealogy.repo';
import { findActiveHolds, type LotHold } from '../repos/lot-holds.repo';

/** Event types that move material on: refused for a lot on hold (W18). */
const BLOCKED_WHILE_HELD: ReadonlySet<GenealogyEventType> = new Set(['consume', 'move', 'ship', 'split', 'merge', 'assemble']);

/** What happened to which lot or serial (T01). */
export type GenealogyInput = {
  eventType: GenealogyEventType;
  material: string;
  lot: string | null;
  serial?: string | null;
  quantity: number | null;
  uom: string | null;
  intoMaterial?: string | null;
  intoLot?: string | null;
  intoSerial?: string | null;
  position?: string | null;
  location?: string | null;
  statusFrom?: string | null;
  statusTo?: string | null;
  reference?: string | null;
  orderId?: string | null;
  operation?: string | null;
  equipmentId?: string | null;
};

/** Where an event comes from: the process instance, task and version, the person, the job. */
export type GenealogyOrigin = {
  instanceId: string | null;
  processKey: string | null;
  versionId: string | null;
  versionSha256: string | null;
  activityId: string | null;
  taskId: string | null;
  jobId: string | null;
  performedBy: string | null;
  performedByName: string | null;
  source?: string;
  /** The same key records the event once, however often it is asked (e.g. `job:<id>`). */
  idempotencyKey?: string | null;
};

/** A lot on hold was to be consumed, moved or shipped (W18). */
export class LotOnHoldError extends Error {
  constructor(
    public readonly lot: string,
    public readonly holds: LotHold[],
  ) {
    super(`Lot ${lot} is on hold (${holds.map((h) => `${h.reference}: ${h.reason}`).join('; ')}): it cannot be consumed, moved or shipped`);
    this.name = 'LotOnHoldError';
  }
}

const subjectOf = (event: Pick<GenealogyEvent, 'material' | 'lot' | 'serial'>): { kind: ItemKind; material: string; identifier: string } =>
  event.serial ? { kind: 'serial', material: event.material, identifier: event.serial } : { kind: 'lot', material: event.material, identifier: event.lot! };

/**
 * Applies one logged event to the graph projection: the nodes of its lot or serial (and target),
 * the input → output edge of a consume, split, merge or assemble, and the node's status and
 * location. Used when recording and when rebuilding the projection from the log.
 */
export async function applyToProjection(trx: Knex.Transaction, event: GenealogyEvent): Promise<void> {
  const item = await upsertItem(trx, { ...subjectOf(event), now: event.recordedAt });
  const now = event.recordedAt;
  if (EDGE_EVENT_TYPES.has(event.eventType) && (event.intoLot || event.intoSerial)) {
    const target = await upsertItem(trx, {
      kind: event.intoSerial ? 'serial' : 'lot',
      material: event.intoMaterial ?? event.material,
      identifier: (event.intoSerial ?? event.intoLot)!,
      now,
    });
    await insertEdge(trx, { parentItemId: item.id, childItemId: target.id, eventId: event.id, eventType: event.eventType, quantity: event.quantity, uom: event.uom, occurredAt: event.occurredAt, recordedAt: event.recordedAt });
  }
  switch (event.eventType) {
    case 'merge':
      await updateItem(trx, item.id, { status: 'merged' }, now);
      break;
    case 'move':
      await updateItem(trx, item.id, { location: event.location }, now);
      break;
    case 'ship':
      await updateItem(trx, item.id, { status: 'shipped', location: event.location }, now);
      break;
    case 'scrap':
      await updateItem(trx, item.id, { status: 'scrapped' }, now);
      break;
    case 'return-to-vendor':
      await updateItem(trx, item.id, { status: 'returned', location: event.location ?? 'vendor' }, now);
      break;
    case 'status':
      if (event.statusTo) await updateItem(trx, item.id, { status: event.statusTo }, now);
      break;
    default:
      if (event.location) await updateItem(trx, item.id, { location: event.location }, now);
  }
}

/**
 * Records a genealogy event (T01) with its origin and server time, and applies it to the graph,
 * in the caller's transaction. An event under an idempotency key that was already recorded is
 * returned as it is. Consuming, moving or shipping a lot on hold is refused (W18). A serial is
 * produced only once per part number (T05, a database constraint).
 * @throws LotOnHoldError; a unique violation (pg 23505) for a serial produced twice.
 */
export async function recordGenealogyEvent(ctx: CommandContext, input: GenealogyInput, origin: GenealogyOrigin): Promise<{ event: GenealogyEvent; repeated: boolean }> {
  if (origin.idempotencyKey) {
    const existing = await findEventByIdempotencyKey(ctx.trx, origin.idempotencyKey);
    if (existing) return { event: existing, repeated: true };
  }
  if (BLOCKED_WHILE_HELD.has(input.eventType) && input.lot) {
    const holds = await findActiveHolds(ctx.trx, input.lot);
    if (holds.length) throw new LotOnHoldError(input.lot, holds);
  }
  const event = await insertGenealogyEvent(ctx.trx, {
    eventType: input.eventType,
    material: input.material,
    lot: input.lot,
    serial: input.serial ?? null,
    quantity: input.quantity,
    uom: input.uom,
    intoMaterial: input.intoMaterial ?? null,
    intoLot: input.intoLot ?? null,
    intoSerial: input.intoSerial ?? null,
    position: input.position ?? null,
    location: input.location ?? null,
    statusFrom: input.statusFrom ?? null,
    statusTo: input.statusTo ?? null,
    reference: input.reference ?? null,
    orderId: input.orderId ?? null,
    operation: input.operation ?? null,
    equipmentId: input.equipmentId ?? null,
    performedBy: origin.performedBy,
    performedByName: origin.performedByName,
    instanceId: origin.instanceId,
    processKey: origin.processKey,
    versionId: origin.versionId,
    versionSha256: origin.versionSha256,
    activityId: origin.activityId,
    taskId: origin.taskId,
    jobId: origin.jobId,
    source: origin.source,
    occurredAt: ctx.now,
    recordedAt: ctx.now,
    idempotencyKey: origin.idempotencyKey ?? null,
  });
  await applyToProjection(ctx.trx, event);
  ctx.emit({
    type: 'genealogy.recorded',
    entity: { type: 'GenealogyEvent', id: event.id },
    after: {
      eventType: event.eventType,
      material: event.material,
      lot: event.lot,
      serial: event.serial,
      quantity: event.quantity,
      uom: event.uom,
      into: event.intoLot || event.intoSerial ? { material: event.intoMaterial, lot: event.intoLot, serial: event.intoSerial } : null,
      location: event.location,
      status: event.statusTo,
      equipmentId: event.equipmentId,
      performedBy: event.performedBy,
      versionSha256: event.versionSha256,
    },
    context: compact({ instanceId: origin.instanceId, key: origin.processKey, activityId: origin.activityId, taskId: origin.taskId, jobId: origin.jobId }),
  });
  return { event, repeated: false };
}

function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null && v !== undefined));
}
