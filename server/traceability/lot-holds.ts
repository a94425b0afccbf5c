import type { CommandContext } from '../commands/run-command';
import { findItems } from '../repos/genealogy.repo';
import { findActiveHold, findActiveHolds, findHoldsOfLot, insertHold, releaseHolds, type LotHold } from '../repos/lot-holds.repo';
import { recordGenealogyEvent, type GenealogyOrigin } from './record-genealogy-event';

const HOLD_AUDIENCE = { roles: ['quality', 'supervisor'] };

async function materialOf(ctx: CommandContext, lot: string, given: string | null): Promise<string> {
  if (given) return given;
  const [item] = await findItems(ctx.trx, lot);
  return item?.material ?? 'unknown';
}

/**
 * Puts a lot on hold (W18) under a reference (an NC number, an inspection, a deviation). A second
 * hold with the same reference while the first is active changes nothing and returns the first.
 * The hold is a genealogy status event too, with who, when and under which process version.
 */
export async function placeLotHold(
  ctx: CommandContext,
  input: { lot: string; material: string | null; reason: string; reference: string },
  origin: GenealogyOrigin,
): Promise<{ hold: LotHold; created: boolean }> {
  const existing = await findActiveHold(ctx.trx, input.lot, input.reference);
  if (existing) return { hold: existing, created: false };
  const material = await materialOf(ctx, input.lot, input.material);
  const hold = await insertHold(ctx.trx, {
    material,
    lot: input.lot,
    reason: input.reason,
    reference: input.reference,
    placedBy: origin.performedBy ?? 'system',
    placedByName: origin.performedByName,
    instanceId: origin.instanceId,
    jobId: origin.jobId,
    now: ctx.now,
  });
  await recordGenealogyEvent(
    ctx,
    { eventType: 'status', material, lot: input.lot, quantity: null, uom: null, statusFrom: 'active', statusTo: 'on_hold', reference: input.reference },
    { ...origin, idempotencyKey: origin.idempotencyKey ? `${origin.idempotencyKey}:hold` : null },
  );
  ctx.emit({
    type: 'lot.held',
    entity: { type: 'LotHold', id: hold.id },
    after: { lot: hold.lot, material: hold.material, reason: hold.reason, reference: hold.reference, placedBy: hold.placedBy },
    reason: hold.reason,
    context: origin.instanceId ? { instanceId: origin.instanceId, key: origin.processKey } : undefined,
    audience: HOLD_AUDIENCE,
    payload: { id: hold.id, lot: hold.lot, material: hold.material, reason: hold.reason, reference: hold.reference, status: hold.status },
  });
  return { hold, created: true };
}

/**
 * Releases every active hold of a lot with a reason and reference (MRB disposition, QA approval).
 * Releasing a lot that has none changes nothing (idempotent): `releasedAt` is then the last release.
 */
export async function releaseLotHolds(
  ctx: CommandContext,
  input: { lot: string; reason: string; reference: string },
  origin: GenealogyOrigin,
): Promise<{ released: LotHold[]; releasedAt: Date }> {
  const active = await findActiveHolds(ctx.trx, input.lot);
  if (active.length === 0) {
    const last = (await findHoldsOfLot(ctx.trx, input.lot)).filter((h) => h.releasedAt).at(-1);
    return { released: [], releasedAt: last?.releasedAt ?? ctx.now };
  }
  const released = await releaseHolds(
    ctx.trx,
    active.map((h) => h.id),
    { releasedBy: origin.performedBy ?? 'system', releasedByName: origin.performedByName, reason: input.reason, reference: input.reference, instanceId: origin.instanceId, now: ctx.now },
  );
  const material = await materialOf(ctx, input.lot, active[0].material);
  await recordGenealogyEvent(
    ctx,
    { eventType: 'status', material, lot: input.lot, quantity: null, uom: null, statusFrom: 'on_hold', statusTo: 'active', reference: input.reference },
    { ...origin, idempotencyKey: origin.idempotencyKey ? `${origin.idempotencyKey}:release` : null },
  );
  for (const hold of released) {
    ctx.emit({
      type: 'lot.released',
      entity: { type: 'LotHold', id: hold.id },
      before: { status: 'active', reference: hold.reference },
      after: { status: 'released', lot: hold.lot, releaseReference: input.reference, releasedBy: hold.releasedBy },
      reason: input.reason,
      context: origin.instanceId ? { instanceId: origin.instanceId, key: origin.processKey } : undefined,
      audience: HOLD_AUDIENCE,
      payload: { id: hold.id, lot: hold.lot, status: hold.status, reference: hold.reference, releaseReference: input.reference },
    });
  }
  return { released, releasedAt: ctx.now };
}
