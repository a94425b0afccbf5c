import type { CommandContext } from '../commands/run-command';
import { insertEquipmentSamples, upsertEquipmentProfile, type NewEquipmentSample } from '../repos/equipment-samples.repo';
import { describeActor } from '../auth/actor';


/** Sets a machine's ideal cycle time, which OEE performance is measured against (K01); audited. */
export async function registerEquipmentProfile(ctx: CommandContext, input: { equipmentId: string; name: string | null; idealCycleMs: number; reason: string }): Promise<void> {
  const { before, after } = await upsertEquipmentProfile(ctx.trx, input, describeActor(ctx.actor).actorName, ctx.now);
  ctx.emit({
    type: before ? 'equipmentProfile.updated' : 'equipmentProfile.created',
    entity: { type: 'Equipment', id: input.equipmentId },
    before: before ? { name: before.name, idealCycleMs: before.idealCycleMs } : undefined,
    after: { name: after.name, idealCycleMs: after.idealCycleMs },
    reason: input.reason,
  });
}

/**
 * Stores equipment state and counter samples as the OPC UA monitor observed them (source
 * timestamps kept, C19). Samples are measurements, not GMP records: they are not audited one by
 * one (the audit trail would drown); the command that stores them is the caller's.
 */
export async function recordEquipmentSamples(ctx: CommandContext, samples: NewEquipmentSample[]): Promise<number> {
  await insertEquipmentSamples(ctx.trx, samples, ctx.now);
  return samples.length;
}
